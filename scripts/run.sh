#!/usr/bin/env bash
# Builds and starts Switchboard with its embedded PostgreSQL (data in ./.switchboard), serving
# gRPC, gRPC-Web and the web dashboard on http://127.0.0.1:50051 (SWITCHBOARD__LISTEN to change).
# Installs PostgreSQL (Debian) if missing and builds the dashboard on first run.
# Once listening, the server prints the admin commands (first user, API key) with the binary's
# absolute path and SWITCHBOARD__DATA_DIR set, ready to paste into another terminal anywhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  echo "run: installing PostgreSQL (apt-get install postgresql-15)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
[ -f clients/web/dist/index.html ] || clients/web/build.sh
cargo build --release --locked --workspace --bin switchboard --bin switchboard-agent
export SWITCHBOARD__DATA_DIR="${SWITCHBOARD__DATA_DIR:-$root/.switchboard}"
exec "${CARGO_TARGET_DIR:-$root/target}/release/switchboard" serve "$@"
