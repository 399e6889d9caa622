#!/bin/sh
# The part of the official postgres image's entrypoint a service container relies on: a cluster
# made on first start with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (required),
# password authentication, then the server in the foreground. It listens on 127.0.0.1 only: the
# e2e runs every container on the host network, and nothing may listen beyond loopback.
set -eu
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "Error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
  exit 1
fi
user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 \
    --no-instructions -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
fi
exec postgres -D "$PGDATA" -c listen_addresses=127.0.0.1 -c port="${PGPORT:-5432}" \
  -c unix_socket_directories=/tmp
