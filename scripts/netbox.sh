#!/usr/bin/env bash
# A real NetBox on loopback for `aifabric netbox push|diff`, the live tests and CI: `scripts/netbox.sh up|down|status|env`.
#
# up      installs what is missing (PostgreSQL and Redis from Debian's packages, NetBox from PyPI in its own Python
#         >= 3.12 venv), starts a private PostgreSQL cluster and a private Redis in the state directory (their own
#         ports on 127.0.0.1, so a system PostgreSQL or Redis is left alone), migrates, creates the superuser and an
#         API token, and serves NetBox's API with gunicorn on 127.0.0.1:$NETBOX_PORT. The first run takes minutes
#         (the migrations); later runs reuse the database and take seconds.
# down    stops NetBox, Redis and PostgreSQL started by `up` (the installed packages and the database stay).
# status  says what runs; exit 0 when the API answers.
# env     prints `export NETBOX_URL=...` and `export NETBOX_TOKEN_FILE=...` (the token itself stays in its 0600 file).
#
# State (venv, database, configuration, token, logs) lives in $NETBOX_STATE (default: .netbox/ in the repository).
# `ready` in it is written when the API answers with the token; tests wait for it.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${NETBOX_STATE:-$REPO/.netbox}"
PORT="${NETBOX_PORT:-8765}"
PG_PORT="${NETBOX_PG_PORT:-54329}"
REDIS_PORT="${NETBOX_REDIS_PORT:-63799}"
NETBOX_SPEC="${NETBOX_PIP_SPEC:-netbox>=4.7,<4.8}"
URL="http://127.0.0.1:$PORT"
VENV="$STATE/venv"
PGDATA="$STATE/pgdata"
LOG="$STATE/log"

say() { echo "netbox.sh: $*" >&2; }
die() { say "$*"; [ -d "$STATE" ] && touch "$STATE/up.failed"; exit 1; }

find_python() {
  # A CPython >= 3.12 (NetBox 4.7 needs it): $NETBOX_PYTHON, then PATH, then pyenv's versions.
  local candidates=()
  [ -n "${NETBOX_PYTHON:-}" ] && candidates+=("$NETBOX_PYTHON")
  for v in python3.14 python3.13 python3.12; do
    command -v "$v" >/dev/null 2>&1 && candidates+=("$(command -v "$v")")
  done
  local root
  root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  for p in "$root"/versions/3.1[2-9]*/bin/python3; do
    [ -x "$p" ] && candidates+=("$p")
  done
  for p in "${candidates[@]}"; do
    if "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

apt_install() {
  # Debian's packages, installed once; the lock timeout waits for another apt run on the machine.
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (Debian packages)"
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >/dev/null
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

start_postgres() {
  local bin
  bin="$(pg_bin)"
  mkdir -p "$STATE/pgsock"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA" "$STATE/pgsock"
    chmod 700 "$PGDATA"
    runuser -u postgres -- "$bin/initdb" -D "$PGDATA" -A trust -U postgres --no-sync >/dev/null
  fi
  chown postgres:postgres "$PGDATA" "$STATE/pgsock"
  if ! runuser -u postgres -- "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$PGDATA" -w -l "$PGDATA/server.log" \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $STATE/pgsock -c fsync=off -c synchronous_commit=off" \
      start >/dev/null
  fi
  if ! runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='netbox'" | grep -q 1; then
    runuser -u postgres -- "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE netbox" >/dev/null
  fi
}

start_redis() {
  if [ -f "$STATE/redis.pid" ] && kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; then
    return 0
  fi
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STATE" --save "" --appendonly no \
    --daemonize yes --pidfile "$STATE/redis.pid" --logfile "$LOG/redis.log"
}

install_netbox() {
  if [ -f "$VENV/.installed" ]; then
    return 0
  fi
  local py
  py="$(find_python)" || die "NetBox 4.7 needs Python >= 3.12: none found on PATH or in pyenv (set NETBOX_PYTHON)"
  say "installing $NETBOX_SPEC in ${VENV#"$REPO"/} (python: $("$py" -V 2>&1))"
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >"$LOG/pip.log" 2>&1
  "$VENV/bin/pip" install -q "$NETBOX_SPEC" gunicorn >>"$LOG/pip.log" 2>&1 || { tail -5 "$LOG/pip.log" >&2; die "pip install failed"; }
  touch "$VENV/.installed"
}

write_configuration() {
  # NetBox reads configuration.py from $NETBOX_CONFIGURATION (a module name): ours lives in the state directory.
  [ -f "$STATE/nbconfig/netbox_local_config.py" ] && return 0
  mkdir -p "$STATE/nbconfig"
  local secret pepper
  secret="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))')"
  pepper="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))')"
  umask 077
  cat > "$STATE/nbconfig/netbox_local_config.py" <<EOF
# Written by scripts/netbox.sh: a loopback-only NetBox for aifabric's tests.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "netbox", "USER": "postgres",
                         "PASSWORD": "", "HOST": "127.0.0.1", "PORT": "$PG_PORT", "CONN_MAX_AGE": 300}}
REDIS = {"tasks": {"HOST": "127.0.0.1", "PORT": $REDIS_PORT, "DATABASE": 0, "SSL": False},
         "caching": {"HOST": "127.0.0.1", "PORT": $REDIS_PORT, "DATABASE": 1, "SSL": False}}
SECRET_KEY = "$secret"
API_TOKEN_PEPPERS = {1: "$pepper"}
MAX_PAGE_SIZE = 10000
CHANGELOG_RETENTION = 1
EOF
  umask 022
}

# The pip-installed NetBox's own command (Django's management commands); its mutable files live in $STATE/root.
nb_env() { env PYTHONPATH="$STATE/nbconfig" NETBOX_CONFIGURATION=netbox_local_config NETBOX_ROOT="$STATE/root" "$@"; }
manage() { mkdir -p "$STATE/root"; nb_env "$VENV/bin/netbox" "$@"; }

migrate_and_token() {
  if [ ! -f "$STATE/migrated" ]; then
    say "running NetBox's migrations (minutes the first time)"
    manage migrate --no-input >"$LOG/migrate.log" 2>&1 || { tail -20 "$LOG/migrate.log" >&2; die "migrations failed"; }
    touch "$STATE/migrated"
  fi
  if [ ! -s "$STATE/token" ]; then
    # The superuser and a write-enabled API token, made in NetBox's own shell; the token goes to a 0600 file only.
    umask 077
    manage shell --no-startup -c '
from users.models import Token, User
user, _ = User.objects.get_or_create(username="aifabric")
user.is_superuser = True
user.is_staff = True
user.save()
token = Token(user=user, write_enabled=True, description="aifabric tests")
token.save()
prefix = f"nbt_{token.key}." if getattr(token, "version", 1) == 2 else ""
print("TOKEN=" + prefix + token.token)
' >"$STATE/token.out" 2>"$LOG/token.log"
    sed -n 's/^TOKEN=//p' "$STATE/token.out" | tail -1 > "$STATE/token"
    rm -f "$STATE/token.out"
    umask 022
    [ -s "$STATE/token" ] || { tail -20 "$LOG/token.log" >&2; die "could not create the API token"; }
  fi
}

serve() {
  if [ -f "$STATE/gunicorn.pid" ] && kill -0 "$(cat "$STATE/gunicorn.pid")" 2>/dev/null; then
    return 0
  fi
  mkdir -p "$STATE/root"
  nb_env setsid "$VENV/bin/gunicorn" netbox.wsgi --bind "127.0.0.1:$PORT" --workers 3 --threads 2 --timeout 300 \
    --pid "$STATE/gunicorn.pid" --daemon --error-logfile "$LOG/gunicorn.log" --chdir "$STATE/root"
}

api_ok() {
  local token
  token="$(cat "$STATE/token" 2>/dev/null)" || return 1
  local scheme=Token
  case "$token" in nbt_*) scheme=Bearer;; esac
  curl -fsS -m 60 -o /dev/null -H "Authorization: $scheme $token" -H "Accept: application/json" "$URL/api/status/" 2>/dev/null
}

up() {
  mkdir -p "$STATE" "$LOG"
  rm -f "$STATE/ready" "$STATE/up.failed"
  echo $$ > "$STATE/up.pid"
  apt_install
  install_netbox
  write_configuration
  start_postgres
  start_redis
  migrate_and_token
  serve
  for _ in $(seq 1 120); do
    if api_ok; then
      echo "$URL" > "$STATE/url"
      touch "$STATE/ready"
      rm -f "$STATE/up.pid"
      say "NetBox answers at $URL (token in ${STATE#"$REPO"/}/token)"
      return 0
    fi
    sleep 1
  done
  tail -20 "$LOG/gunicorn.log" >&2 || true
  die "NetBox did not answer at $URL"
}

down() {
  rm -f "$STATE/ready"
  if [ -f "$STATE/up.pid" ] && kill -0 "$(cat "$STATE/up.pid")" 2>/dev/null; then
    # An `up` still installing or migrating: stop it and its children (its process group when it leads one).
    local pid
    pid="$(cat "$STATE/up.pid")"
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/up.pid"
  if [ -f "$STATE/gunicorn.pid" ]; then
    kill "$(cat "$STATE/gunicorn.pid")" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$(cat "$STATE/gunicorn.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.5; done
    rm -f "$STATE/gunicorn.pid"
  fi
  if [ -f "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
    rm -f "$STATE/redis.pid"
  fi
  if [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  say "stopped"
}

status() {
  if api_ok; then
    say "NetBox answers at $URL"
    return 0
  fi
  say "NetBox does not answer at $URL"
  return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export NETBOX_URL=$URL"; echo "export NETBOX_TOKEN_FILE=$STATE/token" ;;
  *) echo "usage: scripts/netbox.sh up|down|status|env" >&2; exit 2 ;;
esac
