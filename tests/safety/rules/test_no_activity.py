import datetime

from patients.choices import Severity
from patients.safety.trends import no_activity

TODAY = datetime.date(2026, 11, 23)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def test_seven_quiet_days_on_a_plan_is_info():
    finding = no_activity(days_ago(7), days_ago(30), TODAY)

    assert finding.severity == Severity.INFO
    assert finding.evidence["days"] == 7


def test_six_quiet_days_is_not_yet():
    assert no_activity(days_ago(6), days_ago(30), TODAY) is None


def test_a_plan_resumed_recently_gets_a_fresh_week():
    assert no_activity(days_ago(20), days_ago(3), TODAY) is None


def test_never_walked_counts_from_the_plan_start():
    assert no_activity(None, days_ago(8), TODAY).evidence["last_walk"] is None
