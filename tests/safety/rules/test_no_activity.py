import datetime

from patients.choices import Rule, Severity
from patients.safety.rules import Thresholds
from patients.safety.trends import no_activity

TODAY = datetime.date(2026, 11, 23)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def test_seven_quiet_days_on_a_plan_is_info():
    finding = no_activity(days_ago(7), days_ago(30), TODAY)

    assert (finding.rule, finding.severity) == (Rule.NO_ACTIVITY, Severity.INFO)
    assert finding.summary == "No walk logged for 7 days."
    assert finding.evidence == {"last_walk": days_ago(7).isoformat(), "days": 7}


def test_six_quiet_days_is_not_yet():
    assert no_activity(days_ago(6), days_ago(30), TODAY) is None


def test_a_plan_resumed_recently_gets_a_fresh_week():
    assert no_activity(days_ago(20), days_ago(3), TODAY) is None


def test_never_walked_counts_from_the_plan_start():
    assert no_activity(None, days_ago(8), TODAY).evidence["last_walk"] is None


def test_a_clinics_own_number_of_days_is_used():
    three_days = Thresholds(no_activity_days=3)

    assert no_activity(days_ago(3), days_ago(30), TODAY, three_days) is not None
    assert no_activity(days_ago(2), days_ago(30), TODAY, three_days) is None
