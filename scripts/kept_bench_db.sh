# Sourced by the scripts that time one of our statements with pgbench alone on the database a
# benchmark run left behind (`switchboard-bench ... --keep-data`). Takes that directory as $1,
# starts its Postgres on a private socket (stopped again on exit), and sets `kept` (that
# directory), `sock` (the socket's directory, also a scratch directory the owner can read), `bin`
# (Postgres' binaries), `as_owner` (runs a command as the data directory's owner) and `psql` (a
# psql command line for the switchboard database, unaligned, stopping at the first error).
kept=${1:?usage: $0 <directory switchboard-bench --keep-data printed>}
data="$kept/a/postgres"
[ -f "$data/PG_VERSION" ] || { echo "no Postgres data directory at $data" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
sock=$(mktemp -d)
owner=$(stat -c %U "$data")
as_owner() { if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }
chmod 755 "$kept" "$kept/a"
chown "$owner" "$sock"
as_owner "$bin/pg_ctl" -D "$data" -o "-k $sock -c listen_addresses=" -l "$sock/log" -w start >/dev/null
trap 'as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null; rm -rf "$sock"' EXIT
psql=(as_owner psql -h "$sock" -U switchboard -d switchboard -Atq -v ON_ERROR_STOP=1)
