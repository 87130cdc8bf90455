"""The Django admin for clinics: enrolling patients and their invitations (enrolment),
read-only reports (reports), clinics and staff (clinics), the audit trail and lockouts
(security), and the FHIR API's clients (api_clients). The clinic-scoped site they register
on is patients.security.admin_site. Importing this package registers them all."""

from patients.admin import (  # noqa: F401  (registers)
    api_clients,
    clinics,
    enrolment,
    reports,
    security,
)
