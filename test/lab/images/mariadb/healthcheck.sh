#!/bin/bash
# The lab's healthcheck.sh, written for this project after the official mariadb image's contract: each
# option is a test, run in order; the exit status is 0 only when all pass.
#   --connect              the server accepts a TCP connection (any answer, even "access denied")
#   --innodb_initialized   InnoDB is up, checked as the healthcheck user of <datadir>/.my-healthcheck.cnf
#   --su-mysql, --datadir=… and options the lab does not know are accepted and ignored (see the README).
set -uo pipefail
datadir=/var/lib/mysql
for arg in "$@"; do case $arg in --datadir=*) datadir=${arg#--datadir=} ;; esac; done
cnf=$datadir/.my-healthcheck.cnf
[[ -f $cnf ]] || cnf=/var/lib/mysql/data/.my-healthcheck.cnf
rc=0
for arg in "$@"; do
  case $arg in
    --connect)
      # mariadb-admin ping exits 0 whenever the server answers, even with "access denied".
      mariadb-admin --no-defaults --protocol=tcp --host=127.0.0.1 --port=3306 --connect-timeout=3 ping >/dev/null 2>&1 || { echo "healthcheck connect failed" >&2; rc=1; }
      ;;
    --innodb_initialized)
      out=$(mariadb --defaults-extra-file="$cnf" --host=127.0.0.1 --skip-column-names --batch \
        -e "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB' AND support IN ('YES', 'DEFAULT', 'ENABLED')" 2>&1)
      [[ $out == 1 ]] || { echo "healthcheck innodb_initialized failed: $out" >&2; rc=1; }
      ;;
  esac
done
exit $rc
