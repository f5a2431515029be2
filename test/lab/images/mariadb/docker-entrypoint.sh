#!/bin/bash
# The lab's MariaDB entrypoint (also tagged mysql:<version>: the lab has no MySQL server), written for this
# project. It honours the parts of the official mariadb (and mysql) images' contract the charts rely on:
#   MARIADB_ROOT_PASSWORD / MARIADB_ALLOW_EMPTY_ROOT_PASSWORD / MARIADB_RANDOM_ROOT_PASSWORD (one required on
#   first start), MARIADB_ROOT_HOST (default %), MARIADB_USER + MARIADB_PASSWORD, MARIADB_DATABASE, each also
#   as MYSQL_*; --datadir from the arguments; /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz on first start;
#   initialise only a data directory without a system database; a healthcheck user whose credentials are in
#   <datadir>/.my-healthcheck.cnf (for healthcheck.sh); started as root, drop to mysql (uid/gid 999).
# What differs from the official images is listed in test/lab/README.md.
set -Eeo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"; }
fail() { log "error: $*" >&2; exit 1; }

if [[ ${1:-} == -* ]]; then set -- mariadbd "$@"; fi
case ${1:-} in
  mariadbd | mysqld) ;;
  *) exec "$@" ;;
esac

# MYSQL_* names are accepted as the MARIADB_* ones (MARIADB_* wins).
for v in ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD RANDOM_ROOT_PASSWORD ROOT_HOST USER PASSWORD DATABASE INITDB_SKIP_TZINFO; do
  m=MYSQL_$v a=MARIADB_$v
  if [[ -z ${!a:-} && -n ${!m:-} ]]; then export "$a=${!m}"; fi
done

datadir=/var/lib/mysql
for arg in "$@"; do
  case $arg in --datadir=*) datadir=${arg#--datadir=} ;; esac
done
socket=/run/mysqld/mysqld.sock

mkdir -p "$datadir" /run/mysqld 2>/dev/null || :
if [[ $(id -u) == 0 ]]; then
  find "$datadir" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
fi

sql_escape() { sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g" <<<"$1"; }

if [[ ! -d $datadir/mysql ]]; then
  if [[ -z ${MARIADB_ROOT_PASSWORD:-} && -z ${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-} && -z ${MARIADB_RANDOM_ROOT_PASSWORD:-} ]]; then
    fail "the database is uninitialised and none of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD is set"
  fi
  if [[ -n ${MARIADB_RANDOM_ROOT_PASSWORD:-} ]]; then
    MARIADB_ROOT_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi
  log "initialising a new database in $datadir"
  mariadb-install-db --datadir="$datadir" --rpm --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --default-time-zone=SYSTEM --enforce-storage-engine= --skip-log-bin --expire-logs-days=0 \
    --loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 >/dev/null

  # A server for initialisation only: no TCP, so the probes (and clients) wait for the real start.
  "$1" --datadir="$datadir" --skip-networking --socket="$socket" --skip-log-bin --default-time-zone=SYSTEM \
    --wsrep_on=OFF --expire-logs-days=0 --loose-innodb_buffer_pool_load_at_startup=0 &
  pid=$!
  client=(mariadb --no-defaults --protocol=socket --socket="$socket" -uroot)
  for _ in $(seq 300); do
    if "${client[@]}" -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    kill -0 "$pid" 2>/dev/null || fail "the initialisation server exited"
    sleep 0.2
  done

  root_host=${MARIADB_ROOT_HOST:-%}
  rootpw=$(sql_escape "${MARIADB_ROOT_PASSWORD:-}")
  hcpw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR host NOT IN ('localhost');"
    echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$rootpw');"
    if [[ $root_host != localhost ]]; then
      echo "CREATE USER 'root'@'$root_host' IDENTIFIED BY '$rootpw';"
      echo "GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
    fi
    for h in 127.0.0.1 ::1 localhost; do
      echo "CREATE USER 'healthcheck'@'$h' IDENTIFIED BY '$hcpw';"
      echo "GRANT USAGE ON *.* TO 'healthcheck'@'$h';"
    done
    if [[ -n ${MARIADB_DATABASE:-} ]]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE//\`/\`\`}\`;"
    fi
    if [[ -n ${MARIADB_USER:-} ]]; then
      [[ -n ${MARIADB_PASSWORD:-} ]] || fail "MARIADB_USER is set but MARIADB_PASSWORD is not"
      u=$(sql_escape "$MARIADB_USER")
      echo "CREATE USER '$u'@'%' IDENTIFIED BY '$(sql_escape "$MARIADB_PASSWORD")';"
      if [[ -n ${MARIADB_DATABASE:-} ]]; then
        echo "GRANT ALL ON \`${MARIADB_DATABASE//\`/\`\`}\`.* TO '$u'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | "${client[@]}" mysql
  printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\nprotocol=tcp\n' "$socket" "$hcpw" > "$datadir/.my-healthcheck.cnf"
  chmod 600 "$datadir/.my-healthcheck.cnf"

  client_pw=("${client[@]}" "-p${MARIADB_ROOT_PASSWORD:-}")
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e $f ]] || continue
    case $f in
      *.sh) log "running $f"; if [[ -x $f ]]; then "$f"; else . "$f"; fi ;;
      *.sql) log "running $f"; "${client_pw[@]}" "${MARIADB_DATABASE:-}" < "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${client_pw[@]}" "${MARIADB_DATABASE:-}" ;;
      *) log "ignoring $f" ;;
    esac
  done
  kill "$pid"
  wait "$pid" || true
  log "initialisation done; starting the server"
else
  log "$datadir holds a database: skipping initialisation"
fi

exec "$@"
