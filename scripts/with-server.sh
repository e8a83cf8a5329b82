#!/usr/bin/env bash
# Runs a command against a freshly started Switchboard server with its own embedded Postgres in
# a temporary data directory, then stops the server. Used by every client's tests.
#
#   scripts/with-server.sh [--tls] CMD [ARGS...]
#
# CMD sees:
#   SWITCHBOARD_URL       http://127.0.0.1:PORT   (gRPC over HTTP/2 and gRPC-Web over HTTP/1.1)
#   SWITCHBOARD_ADDR      127.0.0.1:PORT
#   SWITCHBOARD_EMAIL     a user created for the run
#   SWITCHBOARD_PASSWORD  that user's password          (AuthService.Login)
#   SWITCHBOARD_API_KEY   an API key of that user       (AgentService)
#   SWITCHBOARD_BIN       the server binary (admin commands: `$SWITCHBOARD_BIN user create ...`)
#   SWITCHBOARD_DATA_DIR  the server's data directory
#   SWITCHBOARD__AUTH__REFRESH_REUSE_GRACE_SECS  the servers' refresh-token reuse grace: 2 s
#                         unless set (10 in production), so that a client test can wait it out
# With --tls, a second server (its own database, the same email and password, another API key)
# serves TLS only, with a certificate for `localhost` from a CA made for the run:
#   SWITCHBOARD_TLS_URL       https://localhost:PORT
#   SWITCHBOARD_TLS_API_KEY   an API key on that server
#   SWITCHBOARD_TLS_CA_FILE   the CA that signed its certificate (PEM)
#   SWITCHBOARD_TLS_WRONG_CA  another CA, which must be refused
# The server also serves the web dashboard from clients/web/dist (or $SWITCHBOARD__WEB_DIR) at /.
# The server binary defaults to target/debug/switchboard (build it first) or $SWITCHBOARD_BIN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${SWITCHBOARD_BIN:-$root/target/debug/switchboard}"
[ -x "$bin" ] || { echo "with-server: $bin missing; run 'cargo build' first" >&2; exit 2; }
with_tls=0
if [ "${1:-}" = "--tls" ]; then with_tls=1; shift; fi
run_dir="$(mktemp -d -t switchboard-data.XXXXXX)"
# The embedded Postgres runs as the `postgres` user when we are root: it must reach the directory.
chmod 711 "$run_dir"
server_pids=()
cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_DATA:-0}" = 1 ]; then echo "with-server: kept $run_dir" >&2; else rm -rf "$run_dir"; fi
}
trap cleanup EXIT

export SWITCHBOARD_EMAIL="tester@example.com"
export SWITCHBOARD_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export SWITCHBOARD_BIN="$bin"
export SWITCHBOARD__AUTH__REFRESH_REUSE_GRACE_SECS="${SWITCHBOARD__AUTH__REFRESH_REUSE_GRACE_SECS:-2}"

# start_server DIR [CERT KEY]: starts a server whose data lives in DIR, creates the run's user and
# an API key; sets `started_url` and `started_key`.
start_server() {
  local dir="$1" cert="${2:-}" key="${3:-}" addr="" pid
  mkdir -p "$dir" && chmod 711 "$dir"
  (
    export SWITCHBOARD__DATA_DIR="$dir/data"
    export SWITCHBOARD__LISTEN="127.0.0.1:0"
    export SWITCHBOARD__LOG_FORMAT="${SWITCHBOARD__LOG_FORMAT:-compact}"
    export SWITCHBOARD__WEB_DIR="${SWITCHBOARD__WEB_DIR:-$root/clients/web/dist}"
    if [ -n "$cert" ]; then
      export SWITCHBOARD__TLS__CERT_FILE="$cert" SWITCHBOARD__TLS__KEY_FILE="$key"
    fi
    exec "$bin" serve >"$dir/stdout" 2>"$dir/server.log"
  ) &
  pid=$!
  server_pids+=("$pid")
  for _ in $(seq 1 600); do
    started_url="$(sed -n 's#^switchboard listening on \(https\{0,1\}://[^ ]*\).*#\1#p' "$dir/stdout" 2>/dev/null | head -1 || true)"
    [ -n "$started_url" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "with-server: server exited:" >&2; cat "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$started_url" ] || { echo "with-server: server did not start in 60 s:" >&2; cat "$dir/server.log" >&2; exit 1; }
  printf '%s' "$SWITCHBOARD_PASSWORD" \
    | SWITCHBOARD__DATA_DIR="$dir/data" "$bin" user create --email "$SWITCHBOARD_EMAIL" --password-stdin >/dev/null
  started_key="$(SWITCHBOARD__DATA_DIR="$dir/data" "$bin" key create --email "$SWITCHBOARD_EMAIL" --name with-server --quiet)"
}

# make_ca DIR NAME: a self-signed CA in DIR/NAME.crt, DIR/NAME.key.
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=switchboard test $2" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}

start_server "$run_dir/plain"
export SWITCHBOARD_URL="$started_url"
export SWITCHBOARD_ADDR="${started_url#http://}"
export SWITCHBOARD_API_KEY="$started_key"
export SWITCHBOARD_DATA_DIR="$run_dir/plain/data"
# Admin commands (`$SWITCHBOARD_BIN user create ...`) find the plain server's database.
export SWITCHBOARD__DATA_DIR="$SWITCHBOARD_DATA_DIR"
log="$run_dir/plain/server.log"

if [ "$with_tls" = 1 ]; then
  pki="$run_dir/pki"
  mkdir -p "$pki"
  make_ca "$pki" ca
  make_ca "$pki" wrong-ca
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$pki/ext"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/ext" -out "$pki/server.crt" 2>/dev/null
  start_server "$run_dir/tls" "$pki/server.crt" "$pki/server.key"
  # The certificate names localhost: clients must verify the name, so they use it.
  export SWITCHBOARD_TLS_URL="${started_url/127.0.0.1/localhost}"
  export SWITCHBOARD_TLS_API_KEY="$started_key"
  export SWITCHBOARD_TLS_CA_FILE="$pki/ca.crt"
  export SWITCHBOARD_TLS_WRONG_CA="$pki/wrong-ca.crt"
fi

set +e
"$@"
status=$?
set -e
if [ "$status" != 0 ]; then
  echo "with-server: command failed ($status); last server log lines:" >&2
  tail -n 40 "$log" >&2
  [ "$with_tls" = 1 ] && tail -n 20 "$run_dir/tls/server.log" >&2
fi
exit "$status"
