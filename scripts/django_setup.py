"""Sets Django up for a tool run from the repository root as `python -m scripts.NAME`
(the benchmark's generate_data and explain_pages, which a clinic never runs)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
