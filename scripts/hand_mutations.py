"""Mutations the mutation tool does not make, applied one at a time to a copy of the code.

mutmut changes code inside functions only: module constants, dataclass defaults and some
decorated functions are left alone, yet a wrong limit there changes what a clinician is
told as surely as a wrong comparison. Each mutation below must make a test fail (the
mutant is "killed"); a survivor means a wrong rule would pass the tests. Run by
scripts/mutate; docs/testing.md has the latest result.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The tests mutmut runs (pyproject.toml, [tool.mutmut]), the same way.
TESTS = [
    "tests/safety/",
    "tests/services/",
    "tests/views/test_walk_log.py",
    "tests/views/test_check_in.py",
    "tests/views/test_morning_check.py",
    "tests/views/test_dashboard.py",
]
PYTEST = [
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-m",
    "not browser",
    "--nomigrations",
    "--deselect",
    "tests/services/test_standard_template.py::test_standard_template_migration_reverses_and_reapplies",
]


@dataclass(frozen=True)
class Mutation:
    path: str
    old: str
    new: str
    why: str


MUTATIONS = [
    Mutation(
        "patients/choices.py",
        "Severity.SAME_DAY: 3,",
        "Severity.SAME_DAY: 2,",
        "same day ranked with review: a same-day finding on a review flag is no escalation",
    ),
    Mutation(
        "patients/choices.py",
        "ALERT_SEVERITIES = frozenset({Severity.URGENT, Severity.SAME_DAY})",
        "ALERT_SEVERITIES = frozenset({Severity.URGENT})",
        "same-day flags no longer email the clinic or pause the plan",
    ),
    Mutation(
        "patients/choices.py",
        "ALERT_SEVERITIES = frozenset({Severity.URGENT, Severity.SAME_DAY})",
        "ALERT_SEVERITIES = frozenset({Severity.SAME_DAY})",
        "urgent flags no longer email the clinic or pause the plan",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    severe_pain: int = 8\n",
        "    severe_pain: int = 9\n",
        "default severe pain threshold 8 -> 9",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    severe_pain_rise: int = 2\n",
        "    severe_pain_rise: int = 3\n",
        "default severe pain rise 2 -> 3",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    walk_pain_advice_above: int = 5\n",
        "    walk_pain_advice_above: int = 6\n",
        "default walk pain advice 5 -> 6",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    flare_rise: int = 2\n",
        "    flare_rise: int = 3\n",
        "default flare rise 2 -> 3",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    next_morning_rise: int = 2\n",
        "    next_morning_rise: int = 3\n",
        "default next-morning rise 2 -> 3",
    ),
    Mutation(
        "patients/safety/rules.py",
        "    no_activity_days: int = 7\n",
        "    no_activity_days: int = 8\n",
        "default days without activity 7 -> 8",
    ),
    Mutation(
        "patients/safety/trends.py",
        "FLARE_DAYS = 6\n",
        "FLARE_DAYS = 5\n",
        "flare window six days apart -> five",
    ),
    Mutation(
        "patients/safety/trends.py",
        "FLARE_DAYS = 6\n",
        "FLARE_DAYS = 7\n",
        "flare window six days apart -> seven",
    ),
    Mutation(
        "patients/safety/trends.py",
        "MEDIAN_DAYS = 14\n",
        "MEDIAN_DAYS = 13\n",
        "the median's look-back 14 days -> 13",
    ),
    Mutation(
        "patients/safety/engine.py",
        "REPEAT_ALERT_AFTER = datetime.timedelta(minutes=10)",
        "REPEAT_ALERT_AFTER = datetime.timedelta(minutes=0)",
        "urgent news re-alerts on every resend",
    ),
    Mutation(
        "patients/models/deliveries.py",
        "STALE_PENDING = datetime.timedelta(minutes=10)",
        "STALE_PENDING = datetime.timedelta(days=10)",
        "a lost alert is queued again only after ten days",
    ),
    # Decorated functions (transaction.atomic, task), which the tool skips.
    Mutation(
        "patients/safety/engine.py",
        "    if flag.status != FlagStatus.OPEN:\n        raise FlagMovedOn(",
        "    if False:\n        raise FlagMovedOn(",
        "a flag already acknowledged is acknowledged again",
    ),
    Mutation(
        "patients/safety/engine.py",
        "    _require_seen(flag, expected_flag)\n",
        "",
        "a flag is resolved over news the clinician has not seen",
    ),
    Mutation(
        "patients/deliveries.py",
        "        .exclude(state=DeliveryState.SENT)\n",
        "",
        "an alert already sent is sent again",
    ),
    Mutation(
        "patients/deliveries.py",
        "        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_EXPIRES))\n",
        "",
        "an alert one worker is sending is sent again by another",
    ),
    Mutation(
        "patients/deliveries.py",
        "CLAIM_EXPIRES = datetime.timedelta(minutes=5)",
        "CLAIM_EXPIRES = datetime.timedelta(0)",
        "a claim expires at once: two workers send the same alert",
    ),
    Mutation(
        "programs/services.py",
        "    _require_status(assignment, PlanStatus.ACTIVE)\n"
        "    assignment.status = PlanStatus.PAUSED",
        "    assignment.status = PlanStatus.PAUSED",
        "a paused or ended plan is paused (again)",
    ),
    Mutation(
        "patients/models/deliveries.py",
        "MAX_ATTEMPTS = 5",
        "MAX_ATTEMPTS = 1",
        "a failed alert is never tried again",
    ),
    Mutation(
        "patients/choices.py",
        "SEVERITY_RANK = {Severity.URGENT: 4,",
        "SEVERITY_RANK = {Severity.URGENT: 3,",
        "urgent ranked with same day: urgent news on a same-day flag is no escalation",
    ),
    Mutation(
        "patients/choices.py",
        "LEG_AREAS = frozenset({BodyArea.THIGH, BodyArea.BELOW_KNEE, BodyArea.FOOT})",
        "LEG_AREAS = frozenset({BodyArea.THIGH, BodyArea.BELOW_KNEE})",
        "the foot no longer counts as the leg",
    ),
    Mutation(
        "patients/choices.py",
        "JOINT_AREAS = frozenset({BodyArea.HIP, BodyArea.KNEE, BodyArea.FOOT})",
        "JOINT_AREAS = frozenset({BodyArea.HIP, BodyArea.KNEE})",
        "new foot pain is no longer overuse",
    ),
    Mutation(
        "patients/choices.py",
        "        PainCharacter.SHOOTING,\n",
        "",
        "shooting pain is no longer nerve-type",
    ),
    Mutation(
        "patients/safety/rules.py",
        "SeriousSymptom.BLADDER, SeriousSymptom.BOWEL, SeriousSymptom.SEXUAL}",
        "SeriousSymptom.BLADDER, SeriousSymptom.SEXUAL}",
        "a bowel answer is no longer a cauda equina symptom",
    ),
    Mutation(
        "patients/safety/rules.py",
        "        SeriousSymptom.LUMP,\n",
        "",
        "a new lump is no longer a systemic symptom",
    ),
    Mutation(
        "patients/safety/advice.py",
        'NON_EMERGENCY_NUMBERS = {Country.GB: "111"}',
        "NON_EMERGENCY_NUMBERS = {}",
        "same-day advice in the UK loses the 111 line",
    ),
    Mutation(
        "programs/services.py",
        "LONG_PAUSE = datetime.timedelta(days=14)",
        "LONG_PAUSE = datetime.timedelta(days=15)",
        "a plan paused two weeks resumes at the same stage",
    ),
    Mutation(
        "programs/services.py",
        "LONG_PAUSE = datetime.timedelta(days=14)",
        "LONG_PAUSE = datetime.timedelta(days=13)",
        "a plan paused 13 days resumes a stage lower",
    ),
    Mutation(
        "patients/safety/watch.py",
        "ALERT_WAITING_TOO_LONG = datetime.timedelta(minutes=5)",
        "ALERT_WAITING_TOO_LONG = datetime.timedelta(minutes=60)",
        "an alert email stuck for an hour goes unreported",
    ),
    Mutation(
        "patients/safety/watch.py",
        'late_after=datetime.timedelta(minutes=15),\n        consequence=_lazy("Alert',
        'late_after=datetime.timedelta(minutes=60),\n        consequence=_lazy("Alert',
        "a stopped worker is reported an hour late",
    ),
    Mutation(
        "patients/safety/watch.py",
        "late_after=datetime.timedelta(minutes=15),\n        consequence=_lazy(\n",
        "late_after=datetime.timedelta(minutes=60),\n        consequence=_lazy(\n",
        "a missing escalation timer is reported an hour late",
    ),
    Mutation(
        "patients/safety/watch.py",
        "late_after=datetime.timedelta(hours=26)",
        "late_after=datetime.timedelta(hours=48)",
        "a missing daily activity check is reported a day late",
    ),
    Mutation(
        "patients/safety/watch.py",
        "CLOCKS_DIFFER = datetime.timedelta(minutes=2)",
        "CLOCKS_DIFFER = datetime.timedelta(days=2)",
        "a heartbeat from a clock a day ahead hides a stopped process",
    ),
]


def report_rules() -> list[str]:
    """The rules a report is judged by, read from the code: a rule added later is taken
    out in its turn too."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from patients.safety.rules import REPORT_RULES

    return [rule.__name__ for rule in REPORT_RULES]


# Every rule taken out of the list a report is judged by, one at a time.
MUTATIONS += [
    Mutation(
        "patients/safety/rules.py",
        f"\n    {rule},\n",
        "\n",
        f"the {rule} rule is no longer run on a report",
    )
    for rule in report_rules()
]


def killed(mutation: Mutation) -> bool:
    """Whether the tests fail with this one mutation applied to a copy of the code."""
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "tree"
        shutil.copytree(
            ROOT,
            tree,
            ignore=shutil.ignore_patterns(".venv", ".git", "mutants", "__pycache__", "*.sqlite3"),
        )
        target = tree / mutation.path
        source = target.read_text()
        if source.count(mutation.old) != 1:
            raise SystemExit(f"{mutation.path}: {mutation.old!r} is not there once; update it")
        target.write_text(source.replace(mutation.old, mutation.new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST, *TESTS],
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode != 0


def main() -> int:
    survivors = []
    for mutation in MUTATIONS:
        outcome = "killed" if killed(mutation) else "SURVIVED"
        print(f"{outcome:8} {mutation.path}: {mutation.why}", flush=True)
        if outcome == "SURVIVED":
            survivors.append(mutation)
    print(f"hand-written mutations: {len(MUTATIONS) - len(survivors)}/{len(MUTATIONS)} killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
