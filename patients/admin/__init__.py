"""The Django admin for clinics: enrolling patients and their invitations (enrolment),
read-only reports (reports), clinics and staff (clinics), and the audit trail and lockouts
(security). The clinic-scoped site they register on is patients.security.admin_site.
Importing this package registers them all."""

from patients.admin import clinics, enrolment, reports, security  # noqa: F401  (registers)
