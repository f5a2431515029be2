#!/bin/bash
# The lab's PostgreSQL entrypoint, written for this project. It honours the parts of the official
# postgres image's contract that dbaas's chart and CloudNativePG-free users rely on:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), PGDATA, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD,
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz on first start only; initialise only an empty data
#   directory; started as root it prepares the directories and drops to the postgres user (uid/gid 999).
# What differs from the official image is listed in test/lab/README.md.
set -Eeo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*"; }
fail() { log "error: $*" >&2; exit 1; }

# A first argument that is an option is an option for postgres.
if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi

# Anything but the server runs as asked.
if [[ ${1:-} != postgres ]]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

create_dirs() {
  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" 2>/dev/null || :
  mkdir -p /var/run/postgresql || :
  chmod 03775 /var/run/postgresql 2>/dev/null || :
  if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"
    chmod 700 "$POSTGRES_INITDB_WALDIR" 2>/dev/null || :
  fi
  if [[ $(id -u) == 0 ]]; then
    find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
  fi
}

create_dirs
if [[ $(id -u) == 0 ]]; then
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  if [[ -z ${POSTGRES_PASSWORD:-} && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    fail "the database is uninitialised and POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password)"
  fi
  if [[ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]]; then
    fail "PGDATA ($PGDATA) holds files but no PG_VERSION: refusing to initialise over them"
  fi
  log "initialising a new database cluster in $PGDATA"
  waldir=()
  [[ -n ${POSTGRES_INITDB_WALDIR:-} ]] && waldir=(--waldir "$POSTGRES_INITDB_WALDIR")
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") "${waldir[@]}" ${POSTGRES_INITDB_ARGS:-}
  auth=${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption -D "$PGDATA" 2>/dev/null || echo scram-sha-256)}
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

  # A server for initialisation only: no TCP, so the probes (and clients) wait for the real start.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  export PGPASSWORD=${POSTGRES_PASSWORD:-}
  psql_init=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" --dbname postgres)
  if [[ $POSTGRES_DB != postgres ]]; then
    exists=$("${psql_init[@]}" -tA --set db="$POSTGRES_DB" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
    [[ $exists == 1 ]] || "${psql_init[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e $f ]] || continue
    case $f in
      *.sh) log "running $f"; if [[ -x $f ]]; then "$f"; else . "$f"; fi ;;
      *.sql) log "running $f"; "${psql_init[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql_init[@]}" --dbname "$POSTGRES_DB" ;;
      *) log "ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  log "initialisation done; starting the server"
else
  log "$PGDATA holds a database cluster: skipping initialisation"
fi

exec "$@"
