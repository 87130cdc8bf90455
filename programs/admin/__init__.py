"""The Django admin for plans: templates and their stages (templates, stages) and the plans
assigned to patients with their stage changes (assignments). Importing it registers them."""

from programs.admin import assignments, templates  # noqa: F401  (registers)
