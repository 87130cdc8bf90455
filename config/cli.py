"""The `stepwise` command: Django's management commands for an installed Stepwise.

`stepwise migrate` is `python manage.py migrate` from any directory. With STEPWISE_ENV_FILE
set it first reads that environment file (config/envfile.py), so a cron job or an
administrator's shell runs with the settings the services run with, without sourcing it.
A variable already set in the environment wins over the file.
"""

import os
import sys
from pathlib import Path

from config.envfile import EnvFileError, read_env_file


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env_file = os.environ.get("STEPWISE_ENV_FILE")
    if env_file:
        try:
            values = read_env_file(Path(env_file))
        except EnvFileError as error:
            sys.exit(f"STEPWISE_ENV_FILE: {error}")
        for name, value in values.items():
            os.environ.setdefault(name, value)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
