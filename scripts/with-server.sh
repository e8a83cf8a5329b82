#!/usr/bin/env bash
# Runs a command against a freshly started Switchboard server with its own embedded Postgres in
# a temporary data directory, then stops the server. Used by every client's tests.
#
#   scripts/with-server.sh CMD [ARGS...]
#
# CMD sees:
#   SWITCHBOARD_URL       http://127.0.0.1:PORT   (gRPC over HTTP/2 and gRPC-Web over HTTP/1.1)
#   SWITCHBOARD_ADDR      127.0.0.1:PORT
#   SWITCHBOARD_EMAIL     a user created for the run
#   SWITCHBOARD_PASSWORD  that user's password          (AuthService.Login)
#   SWITCHBOARD_API_KEY   an API key of that user       (AgentService)
#   SWITCHBOARD_BIN       the server binary (admin commands: `$SWITCHBOARD_BIN user create ...`)
#   SWITCHBOARD_DATA_DIR  the server's data directory
# The server also serves the web dashboard from clients/web/dist (or $SWITCHBOARD__WEB_DIR) at /.
# The server binary defaults to target/debug/switchboard (build it first) or $SWITCHBOARD_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${SWITCHBOARD_BIN:-$root/target/debug/switchboard}"
[ -x "$bin" ] || { echo "with-server: $bin missing; run 'cargo build' first" >&2; exit 2; }
data_dir="$(mktemp -d -t switchboard-data.XXXXXX)"
# The embedded Postgres runs as the `postgres` user when we are root: it must reach the directory.
chmod 711 "$data_dir"
log="$data_dir/server.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_DATA:-0}" = 1 ]; then echo "with-server: kept $data_dir" >&2; else rm -rf "$data_dir"; fi
}
trap cleanup EXIT

export SWITCHBOARD__DATA_DIR="$data_dir/data"
export SWITCHBOARD__LISTEN="127.0.0.1:0"
export SWITCHBOARD__LOG_FORMAT="${SWITCHBOARD__LOG_FORMAT:-compact}"
export SWITCHBOARD__WEB_DIR="${SWITCHBOARD__WEB_DIR:-$root/clients/web/dist}"
"$bin" serve >"$data_dir/stdout" 2>"$log" &
server_pid=$!
addr=""
for _ in $(seq 1 600); do
  addr="$(sed -n 's#^switchboard listening on http://\([^ ]*\).*#\1#p' "$data_dir/stdout" | head -1)"
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "with-server: server exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "with-server: server did not start in 60 s:" >&2; cat "$log" >&2; exit 1; }

export SWITCHBOARD_ADDR="$addr"
export SWITCHBOARD_URL="http://$addr"
export SWITCHBOARD_EMAIL="tester@example.com"
export SWITCHBOARD_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export SWITCHBOARD_BIN="$bin"
export SWITCHBOARD_DATA_DIR="$SWITCHBOARD__DATA_DIR"
printf '%s' "$SWITCHBOARD_PASSWORD" | "$bin" user create --email "$SWITCHBOARD_EMAIL" --password-stdin >/dev/null
SWITCHBOARD_API_KEY="$("$bin" key create --email "$SWITCHBOARD_EMAIL" --name with-server --quiet)"
export SWITCHBOARD_API_KEY

set +e
"$@"
status=$?
set -e
if [ "$status" != 0 ]; then
  echo "with-server: command failed ($status); last server log lines:" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
