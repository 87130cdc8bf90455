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

# A throwaway PostgreSQL server for tests and benchmarks: sets DATABASE_URL and
# PGDIR; stop_throwaway_postgres removes it. Extra server options (tuning) as $1.
postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
# initdb refuses to run as root, so as root the cluster belongs to the postgres user.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PGDIR=""
start_throwaway_postgres() {
  local bin port extra="${1:-}"
  bin="$(postgres_bin)"
  if [ -z "$bin" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(postgres_bin)"
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  PGDIR="$(mktemp -d)"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PGDIR"
  fi
  pg_as_owner "$bin/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
  pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $PGDIR $extra" start >/dev/null
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE stepwise LOGIN CREATEDB PASSWORD 'stepwise'" \
    -c "CREATE DATABASE stepwise OWNER stepwise"
  export DATABASE_URL="postgres://stepwise:stepwise@127.0.0.1:$port/stepwise"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') is running on 127.0.0.1:$port"
}
stop_throwaway_postgres() {
  if [ -n "$PGDIR" ]; then
    pg_as_owner "$(postgres_bin)/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
    PGDIR=""
  fi
}
