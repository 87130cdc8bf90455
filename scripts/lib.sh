# Shared by scripts/run, scripts/test, scripts/reliability and scripts/container-check.
# Sourced, not run.

# Creates .venv if needed and makes sure uv, the fast installer, is in it.
ensure_uv() {
  if [ ! -x .venv/bin/python ]; then
    echo "Creating a virtual environment in .venv"
    python3 -m venv .venv
  fi
  [ -x .venv/bin/uv ] ||
    .venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null
}

# The lock file `ensure_venv [dev]` installs from, and the stamp it leaves when done.
venv_files() {
  if [ "${1:-}" = dev ]; then echo requirements-dev.lock .venv/.installed-dev
  else echo requirements.lock .venv/.installed
  fi
}

# Whether the install that left `stamp` came after `lock` and pyproject.toml last changed.
installed_since() { [ -f "$2" ] && [ ! "$1" -nt "$2" ] && [ ! pyproject.toml -nt "$2" ]; }

# True when `ensure_venv [dev]` has packages to install. The test tools' lock pins every
# production package at the same version (scripts/lock), so a test tools' install done
# since the production lock last changed (scripts/test) covers it.
venv_outdated() {
  local lock stamp
  read -r lock stamp < <(venv_files "${1:-}")
  ! installed_since "$lock" "$stamp" && ! installed_since "$lock" .venv/.installed-dev
}

# Installs the project's Python packages at the versions and hashes in the lock file
# (requirements-dev.lock with `ensure_venv dev`), again when a lock file or pyproject.toml
# changes. scripts/lock writes the lock files.
ensure_venv() {
  local lock stamp
  read -r lock stamp < <(venv_files "${1:-}")
  ensure_uv
  if venv_outdated "${1:-}"; then
    echo "Installing Python packages from $lock"
    .venv/bin/uv pip install --quiet --python .venv/bin/python --require-hashes -r "$lock"
    .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
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

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# A TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
  .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb refuses to run as root, so as root the cluster belongs to the postgres user.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway PostgreSQL server on a free port of 127.0.0.1, creates the stepwise
# role and database and exports DATABASE_URL; the caller runs stop_postgres on exit
# (`trap stop_postgres EXIT`). Arguments after the first are postgresql.conf lines
# (tuning for the benchmark).
# `start_postgres durable` keeps PostgreSQL's crash-safety settings (fsync and synchronous
# commit on): for runs that restart the server and count what survived. Without it the
# server skips disk flushes, which is safe only because the data is thrown away.
# The settings go in postgresql.conf, so a plain `pg_ctl start` brings the same server back;
# PGDATA_DIR, PGLOG_FILE and PG_BIN tell a caller where it is.
PGDIR=""
stop_postgres() {
  if [ -n "$PGDIR" ]; then
    pg_as_owner "$(postgres_bin)/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
    PGDIR=""
  fi
}
start_postgres() {
  local durability="${1:-throwaway}" bin port
  shift || true
  bin="$(postgres_bin)"
  port="$(free_port)"
  PGDIR="$(mktemp -d)"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PGDIR"
  fi
  pg_as_owner "$bin/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$PGDIR'"
    if [ "$durability" != durable ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
    for line in "$@"; do echo "$line"; done
  } | pg_as_owner tee -a "$PGDIR/data/postgresql.conf" >/dev/null
  pg_as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start >/dev/null
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE stepwise LOGIN CREATEDB PASSWORD 'stepwise'" \
    -c "CREATE DATABASE stepwise OWNER stepwise"
  export DATABASE_URL="postgres://stepwise:stepwise@127.0.0.1:$port/stepwise"
  export PGDATA_DIR="$PGDIR/data" PGLOG_FILE="$PGDIR/log" PG_BIN="$bin"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') is running on 127.0.0.1:$port ($durability)"
}
