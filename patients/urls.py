from django.urls import path

from patients import (
    account_views,
    dashboard_views,
    patient_views,
    record_views,
    report_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("week/", patient_views.patient_week, name="patient_week"),
    path("week/step-up/", patient_views.step_up, name="step_up"),
    path("walks/new/", patient_views.walk_new, name="walk_new"),
    path("walks/<uuid:walk_id>/", patient_views.walk_detail, name="walk_detail"),
    path("walks/<uuid:walk_id>/edit/", patient_views.walk_edit, name="walk_edit"),
    path("walks/<uuid:walk_id>/delete/", patient_views.walk_delete, name="walk_delete"),
    path("walks/<uuid:walk_id>/morning/", patient_views.morning_check, name="morning_check"),
    path("history/", patient_views.history, name="history"),
    path("my-data/", patient_views.my_data, name="my_data"),
    path("check-ins/new/", patient_views.check_in_new, name="check_in_new"),
    path("check-ins/<uuid:check_in_id>/", patient_views.check_in_detail, name="check_in_detail"),
    path("clinic/", dashboard_views.dashboard, name="staff_home"),
    path(
        "clinic/flags/<uuid:flag_id>/acknowledge/",
        dashboard_views.flag_acknowledge_view,
        name="flag_acknowledge",
    ),
    path(
        "clinic/flags/<uuid:flag_id>/resolve/",
        dashboard_views.flag_resolve_view,
        name="flag_resolve",
    ),
    path("clinic/patients/<uuid:patient_id>/", record_views.patient_record, name="patient_record"),
    path(
        "clinic/patients/<uuid:patient_id>/plan/",
        record_views.patient_plan_change,
        name="patient_plan_change",
    ),
    path(
        "clinic/plans/<uuid:plan_id>/advance/",
        dashboard_views.plan_advance_view,
        name="plan_advance",
    ),
    path("reports/flags/", report_views.flag_report, name="flag_report"),
    path("reports/flags.csv", report_views.flag_report_csv, name="flag_report_csv"),
    path("accounts/two-factor/", account_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/two-factor/recovery-codes/",
        account_views.recovery_codes,
        name="recovery_codes",
    ),
    path("invitations/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path(
        "accounts/email/<str:token>/",
        account_views.email_change_confirm,
        name="email_change_confirm",
    ),
]
