#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the test suite (Debian packages).
# Prints the SQLAlchemy URL on the last line.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PORT=${PGPORT_FOR_TESTS:-54329}
DIR=$(mktemp -d /tmp/issuer-pg.XXXXXX)
chown postgres "$DIR"
run_as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
run_as_postgres "$BIN/initdb -D $DIR/data -A trust -U postgres" >&2
run_as_postgres "$BIN/pg_ctl -D $DIR/data -l $DIR/log -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >&2
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
