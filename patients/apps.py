from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PatientsConfig(AppConfig):
    default = True
    name = "patients"
    verbose_name = "Patients and clinics"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the start-up checks)
        from patients import (
            languages,  # noqa: F401  (notes at sign-in the patient's language)
            local_time,  # noqa: F401  (notes at sign-in the clinic's zone)
        )
        from patients.security import (
            lockouts,  # noqa: F401  (logs who was locked out)
            two_factor,  # noqa: F401  (notes who has a second factor)
        )


class StepwiseAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "patients.security.admin_site.StepwiseAdminSite"
