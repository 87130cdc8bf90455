"""The app's addresses, grouped by whose pages they are."""

from django.urls import path, re_path

from patients.views import (
    accounts,
    check_ins,
    dashboard,
    fhir,
    fhir_export,
    flag_review,
    follow_ups,
    home,
    outcomes,
    outcomes_report,
    phone_app,
    push,
    record,
    reminder_stop,
    reminders,
    reports,
    walks,
    week,
)

# The FHIR R4 API (docs/fhir.md). The token endpoint is django-oauth-toolkit's, alone
# (client credentials need no other of its pages), behind the clients' rate limit.
fhir_urls = [
    path("fhir/token", fhir.token, name="fhir_token"),
    path("fhir/R4/metadata", fhir.metadata, name="fhir_metadata"),
    path("fhir/R4/$export", fhir_export.kick_off, name="fhir_export"),
    path(
        "fhir/R4/$export-status/<uuid:export_id>",
        fhir_export.export_status,
        name="fhir_export_status",
    ),
    path("fhir/R4/$export-file/<uuid:file_id>", fhir_export.export_file, name="fhir_export_file"),
    path("fhir/R4/Patient/<uuid:patient_id>/$everything", fhir.everything, name="fhir_everything"),
    path("fhir/R4/<str:resource_type>", fhir.search, name="fhir_search"),
    path("fhir/R4/<str:resource_type>/<str:resource_id>", fhir.read, name="fhir_read"),
    # Last: anything else under the base (its root, an id with a slash, a line break,
    # which `.` would not match) is FHIR's 404.
    re_path(r"^fhir/R4/(?P<rest>[\s\S]*)\Z", fhir.unknown, name="fhir_unknown"),
]

urlpatterns = [
    *fhir_urls,
    path("", home.home, name="home"),
    path("manifest.webmanifest", phone_app.manifest, name="manifest"),
    path("sw.js", phone_app.service_worker, name="service_worker"),
    path("offline/", phone_app.offline, name="offline"),
    path("week/", week.patient_week, name="patient_week"),
    path("week/step-up/", week.step_up, name="step_up"),
    path("walks/new/", walks.walk_new, name="walk_new"),
    path("walks/<uuid:walk_id>/", walks.walk_detail, name="walk_detail"),
    path("walks/<uuid:walk_id>/edit/", walks.walk_edit, name="walk_edit"),
    path("walks/<uuid:walk_id>/delete/", walks.walk_delete, name="walk_delete"),
    path("walks/<uuid:walk_id>/morning/", walks.morning_check, name="morning_check"),
    path("history/", week.history, name="history"),
    path("outcomes/", outcomes.outcome_questionnaire, name="outcome_questionnaire"),
    path("my-data/", week.my_data, name="my_data"),
    path("my-data/fhir/", week.my_fhir_data, name="my_fhir_data"),
    path("reminders/", reminders.reminder_settings, name="reminder_settings"),
    path("follow-up/", follow_ups.follow_up_current, name="follow_up_current"),
    path("follow-up/stop/", follow_ups.follow_up_stop_signed_in, name="follow_up_stop"),
    path("follow-up/restart/", follow_ups.follow_up_restart_signed_in, name="follow_up_restart"),
    # The link in the monthly email: no sign-in, the signed token is the key.
    path("follow-up/<str:token>/", follow_ups.follow_up_answer_view, name="follow_up_answer"),
    path("follow-up/<str:token>/stop/", follow_ups.follow_up_link_stop, name="follow_up_link_stop"),
    path("check-ins/new/", check_ins.check_in_new, name="check_in_new"),
    path("check-ins/<uuid:check_in_id>/", check_ins.check_in_detail, name="check_in_detail"),
    path("reminders/test/", reminders.reminder_test, name="reminder_test"),
    path("reminders/push/", push.push_subscribe, name="push_subscribe"),
    path("reminders/push/delete/", push.push_unsubscribe, name="push_unsubscribe"),
    path("clinic/", dashboard.dashboard, name="staff_home"),
    path(
        "clinic/flags/<uuid:flag_id>/acknowledge/",
        dashboard.flag_acknowledge_view,
        name="flag_acknowledge",
    ),
    path(
        "clinic/flags/<uuid:flag_id>/resolve/",
        dashboard.flag_resolve_view,
        name="flag_resolve",
    ),
    path("clinic/patients/<uuid:patient_id>/", record.patient_record, name="patient_record"),
    path(
        "clinic/patients/<uuid:patient_id>/plan/",
        record.patient_plan_change,
        name="patient_plan_change",
    ),
    path(
        "clinic/plans/<uuid:plan_id>/advance/",
        dashboard.plan_advance_view,
        name="plan_advance",
    ),
    path("reports/flags/", reports.flag_report, name="flag_report"),
    path("reports/flags.csv", reports.flag_report_csv, name="flag_report_csv"),
    path("reports/rules.csv", reports.rule_report_csv, name="rule_report_csv"),
    path("reports/outcomes/", outcomes_report.outcome_report, name="outcome_report"),
    path("reports/outcomes.csv", outcomes_report.outcome_report_csv, name="outcome_report_csv"),
    path("reports/flags/<uuid:flag_id>/", flag_review.flag_detail, name="flag_detail"),
    path(
        "reports/flags/<uuid:flag_id>/review/",
        flag_review.flag_review_mark,
        name="flag_review_mark",
    ),
    path("accounts/two-factor/", accounts.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", accounts.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        accounts.recovery_codes,
        name="recovery_codes",
    ),
    path("invitations/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
    path("language/", accounts.language_choose, name="language"),
    path("reminders/stop/<str:token>/", reminder_stop.reminder_stop, name="reminder_stop"),
    # The same without the closing slash: a mail provider's one-click unsubscribe is a POST,
    # which APPEND_SLASH cannot redirect without losing it.
    path("reminders/stop/<str:token>", reminder_stop.reminder_stop, name="reminder_stop_bare"),
    path(
        "accounts/email/<str:token>/",
        accounts.email_change_confirm,
        name="email_change_confirm",
    ),
]
