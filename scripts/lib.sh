# Shared by scripts/run and scripts/test. Sourced, not run.

# Creates .venv and installs the project's Python packages (again when pyproject.toml changes).
ensure_venv() {
  local extras="${1:-}" spec="." stamp=".venv/.installed"
  [ -n "$extras" ] && spec=".[$extras]" && stamp=".venv/.installed-$extras"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating a virtual environment in .venv"
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing Python packages"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null
    .venv/bin/uv pip install --quiet --python .venv/bin/python -e "$spec"
    touch "$stamp"
  fi
}

# Runs a command as root: directly when we are root, through sudo when that works without
# a password, otherwise not at all.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}
