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
    if text.startswith("\ufeff"):
        raise EnvFileError(f"{source} starts with a byte order mark: save it as UTF-8 without.")
    values: dict[str, str] = {}
    # Lines end at a newline only, as Docker and systemd read them.
    for number, line in enumerate(text.split("\n"), start=1):
        where = f"{source}, line {number}"
        if "\r" in line:
            raise EnvFileError(
                f"{where}: a carriage return (a file saved on Windows). Save it with plain "
                "newlines: Docker would keep the carriage return in the value."
            )
        if not line.strip() or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not _NAME.match(name):
            raise EnvFileError(f"{where}: expected NAME=value, with no spaces around the =.")
        if any(character in value for character in _READ_DIFFERENTLY):
            raise EnvFileError(
                f"{where}: the value of {name} holds a quote, a backslash or a $. Write it "
                "without quotes (spaces are fine); a secret that needs the others goes in "
                f"a file named by {name}_FILE."
            )
        if value != value.strip():
            raise EnvFileError(
                f"{where}: the value of {name} starts or ends with a space, which Docker "
                "keeps and systemd drops. Remove it."
            )
        values[name] = value
    return values


def read_env_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EnvFileError(f"{path} cannot be read: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise EnvFileError(f"{path} is not UTF-8 text.") from None
    return parse_env_file(text, source=str(path))
