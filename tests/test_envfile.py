"""The environment file is read alike by the `stepwise` command, Docker and systemd."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.envfile import EnvFileError, parse_env_file, read_env_file

ROOT = Path(__file__).resolve().parent.parent


def readme_env_file() -> str:
    """The example stepwise.env in README.md ("Production deployment")."""
    after = (ROOT / "README.md").read_text().split("with `stepwise.env` holding at least:")[1]
    return after.split("```\n")[1]


def docker_reads(text: str) -> dict[str, str]:
    """As `docker run --env-file` does: the rest of the line after the first =, as is."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_names_and_values_are_taken_literally_and_comments_skipped():
    text = (
        "# Production\n"
        "\n"
        "DEBUG=false\n"
        "DEFAULT_FROM_EMAIL=Stepwise clinic <stepwise@example.org>\n"
        "DATABASE_URL=postgres://stepwise:p@ss=word#1@db:5432/stepwise\n"
        "EMPTY=\n"
    )

    assert parse_env_file(text, source="stepwise.env") == {
        "DEBUG": "false",
        "DEFAULT_FROM_EMAIL": "Stepwise clinic <stepwise@example.org>",
        "DATABASE_URL": "postgres://stepwise:p@ss=word#1@db:5432/stepwise",
        "EMPTY": "",
    }


@pytest.mark.parametrize(
    "line",
    [
        'DEFAULT_FROM_EMAIL="Stepwise <stepwise@example.org>"',
        "SECRET_KEY='abc'",
        "SECRET_KEY=abc\\def",
        "DATABASE_URL=postgres://stepwise:pa$word@db/stepwise",
    ],
)
def test_a_value_docker_and_systemd_would_read_differently_is_refused(line):
    with pytest.raises(EnvFileError) as refused:
        parse_env_file(f"DEBUG=false\n{line}\n", source="stepwise.env")

    message = str(refused.value)
    assert message.startswith("stepwise.env, line 2: the value of ")
    assert line.partition("=")[2] not in message  # a secret is never repeated


@pytest.mark.parametrize("line", ["export DEBUG=false", "DEBUG = false", "DEBUG"])
def test_a_line_that_is_not_name_equals_value_is_refused(line):
    with pytest.raises(EnvFileError, match="line 1: expected NAME=value"):
        parse_env_file(line, source="stepwise.env")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("DEBUG=false\r\nSECRET_KEY=abc\r\n", "line 1: a carriage return"),
        ("\ufeffDEBUG=false\n", "byte order mark"),
        ("SECRET_KEY= abc\n", "line 1: the value of SECRET_KEY starts or ends with a space"),
        ("SECRET_KEY=abc \n", "line 1: the value of SECRET_KEY starts or ends with a space"),
    ],
)
def test_what_docker_would_keep_and_others_drop_is_refused(text, said):
    """A Windows line end or a stray space would make the secret differ between them."""
    with pytest.raises(EnvFileError, match=said):
        parse_env_file(text, source="stepwise.env")


def test_lines_end_at_newlines_only_as_docker_reads_them():
    assert parse_env_file("NAME=a\u2028B=b\n", source="stepwise.env") == {"NAME": "a\u2028B=b"}


def test_a_file_that_is_not_utf8_is_refused_plainly(tmp_path):
    path = tmp_path / "stepwise.env"
    path.write_bytes(b"DEFAULT_FROM_EMAIL=Cl\xednica <x@example.org>\n")

    with pytest.raises(EnvFileError, match="is not UTF-8 text"):
        read_env_file(path)


def test_a_command_with_an_unreadable_or_bad_environment_file_stops_and_says_why(tmp_path):
    bad = tmp_path / "stepwise.env"
    bad.write_text('DEFAULT_FROM_EMAIL="Stepwise <stepwise@example.org>"\n')
    outcomes = [
        subprocess.run(
            [sys.executable, ROOT / "manage.py", "check"],
            cwd=tmp_path,
            env={**os.environ, "STEPWISE_ENV_FILE": str(path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        for path in (bad, tmp_path / "missing.env")
    ]

    assert [outcome.returncode for outcome in outcomes] == [1, 1]
    assert outcomes[0].stderr.startswith(f"STEPWISE_ENV_FILE: {bad}, line 1: the value of")
    assert outcomes[1].stderr.startswith(f"STEPWISE_ENV_FILE: {tmp_path / 'missing.env'} cannot")


def test_the_readme_example_reads_alike_in_stepwise_docker_and_a_shell(tmp_path):
    example = tmp_path / "stepwise.env"
    example.write_text(readme_env_file())
    shell = subprocess.run(
        ["bash", "-c", f"set -a; . {example}; {sys.executable} -c 'import json, os; "
         "print(json.dumps(dict(os.environ)))'"],
        env={},
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    read = parse_env_file(example.read_text(), source=str(example))

    assert read == docker_reads(example.read_text())
    assert read.items() <= json.loads(shell.stdout).items()
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= read.keys()
