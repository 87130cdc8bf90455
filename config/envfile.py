"""The environment file: one format for systemd, Docker and the `stepwise` command.

One `NAME=value` a line; blank lines and lines starting with `#` are skipped. Docker's
--env-file takes a value literally, up to the end of the line. systemd's EnvironmentFile
reads it the same way only while it holds no quotes, backslashes or `$`, so such a value
is refused here, with its line number, rather than read differently by each. Values are
never repeated in a message: they are passwords as often as not.
"""

import re
from pathlib import Path

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_READ_DIFFERENTLY = ("\\", "$", '"', "'")


class EnvFileError(ValueError):
    pass


def parse_env_file(text: str, *, source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        where = f"{source}, line {number}"
        if not equals or not _NAME.match(name):
            raise EnvFileError(f"{where}: expected NAME=value, with no spaces around the =.")
        if any(character in value for character in _READ_DIFFERENTLY):
            raise EnvFileError(
                f"{where}: the value of {name} holds a quote, a backslash or a $. Write it "
                "without quotes (spaces are fine); a secret that needs the others goes in "
                f"a file named by {name}_FILE."
            )
        values[name] = value.strip()
    return values


def read_env_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as error:
        raise EnvFileError(f"{path} cannot be read: {error.strerror}.") from None
    return parse_env_file(text, source=str(path))
