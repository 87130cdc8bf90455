"""Every management command the README and docs/operations.md tell someone to run exists,
and its options are read as written.

A clinic's IT person copies these lines; a renamed command or option would fail on their
server, not here. Placeholders (`<identifier>`, `PASSWORD`) stand for values, so only the
command and its options are checked: each line is parsed by the command's own parser,
exactly as `stepwise` or `manage.py` would, without running it.
"""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "docs/operations.md"]

CODE = re.compile(r"```[a-z]*\n(.*?)```|`([^`\n]+)`", re.S)
# "python manage.py NAME ...", or "stepwise NAME ..." as a command (after any VAR=value
# assignments or a path to a bin directory), never "stepwise" as a user or image name.
INVOCATION = re.compile(
    r"(?:manage\.py|(?:^|[;&|]\s*|\s)(?:[A-Z_]+=\S+\s+)*(?:/\S*/bin/)?stepwise)"
    r"\s+(?!python\b|help\b)([a-z][a-z_]+)([^\n#;&|`]*)"
)
PLACEHOLDER = re.compile(r"<[^>]+>|\.\.\.")


def documented_invocations() -> list[tuple[str, str, str]]:
    """(document, command, its arguments as written), for every line that runs one."""
    found = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text()
        for block, inline in CODE.findall(text):
            code = (block or inline).replace("\\\n", " ")
            for line in code.splitlines():
                line = line.split("#")[0]  # a comment is not run
                for command, arguments in INVOCATION.findall(line):
                    found.append((document, command, arguments.strip()))
    return found


INVOCATIONS = documented_invocations()


def test_the_documents_name_the_commands_a_clinic_runs():
    named = {command for _, command, _ in INVOCATIONS}
    assert {
        "migrate",
        "grant_app_role",
        "db_worker",
        "escalate_flags",
        "check_activity",
        "prune_db_task_results",
        "rebuild_summaries",
        "erase_patient",
    } <= named


@pytest.mark.parametrize(
    ("document", "command", "arguments"),
    INVOCATIONS,
    ids=[f"{doc}: {command} {arguments}".strip() for doc, command, arguments in INVOCATIONS],
)
def test_each_documented_command_exists_and_reads_its_options(
    document, command, arguments, settings
):
    # The worker's options are checked against the queue production uses.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    commands = get_commands()
    assert command in commands, f"{document} runs `{command}`, which is no command"
    if not arguments:
        return  # named in a sentence, not run as written
    parser = load_command_class(commands[command], command).create_parser("manage.py", command)
    written = shlex.split(PLACEHOLDER.sub("placeholder", arguments))

    parser.parse_args(written)  # exits, failing the test, on an unknown option
