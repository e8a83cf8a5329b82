#!/usr/bin/env bash
# Builds the release server and the benchmark tool, then runs the benchmark against a fresh
# server process with its own embedded Postgres (see BENCHMARKS.md), driven by the Rust client
# and, in the ingest and answer scenarios, by a Python grpcio and a gRPC-Web (Node) agent.
#
#   scripts/bench.sh            full run (a few minutes on 2 cores), writes bench-results.json
#   scripts/bench.sh --smoke    seconds, tiny numbers; fails on any lost event or error (CI)
#
# Any other argument goes to switchboard-bench (try `--help`), e.g. `--only fanout`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# PostgreSQL server binaries (initdb, pg_ctl; pgbench and psql for the baseline).
if ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/psql >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-client-15 >/dev/null
fi

# 10,000 watch streams over 100 connections plus 1,000 one-per-connection, and scenario 11's
# 100,000 idle streams over 1,000 connections, need file descriptors on both sides (the server
# inherits this limit; the hard limit caps it).
hard="$(ulimit -Hn)"
want=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want="$hard"; fi
ulimit -n "$want" 2>/dev/null || true

# The Python grpcio and gRPC-Web (Node) agents of the ingest and answer scenarios
# (server/bench/drivers/) load the generated stubs of clients/python and clients/typescript.
# Their dependencies are installed here the way the clients' test scripts install them, when
# missing (CI runs those scripts first); switchboard-bench fails if a driver still cannot run.
py="clients/python/.venv/bin/python"
if ! "$py" -c 'import grpc, google.protobuf' 2>/dev/null; then
  echo "bench: installing the Python client's dependencies into clients/python/.venv" >&2
  [ -x "$py" ] || python3 -m venv clients/python/.venv
  "$py" -m pip install -q --disable-pip-version-check ./clients/python
  rm -rf clients/python/build clients/python/src/*.egg-info
fi
ts="clients/typescript"
if [ ! -d "$ts/node_modules" ] || [ "$ts/package-lock.json" -nt "$ts/node_modules/.package-lock.json" ]; then
  echo "bench: npm ci in $ts" >&2
  (cd "$ts" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -f "$ts/dist/index.js" ] || [ -n "$(find "$ts/src" -newer "$ts/dist/index.js" -print -quit)" ]; then
  echo "bench: compiling $ts (tsc) for its generated stubs" >&2
  (cd "$ts" && npx --no-install tsc -p tsconfig.json)
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
# BENCH_PROFILE=debug reuses the debug build (CI's smoke run checks that the tool works, not how
# fast the server is; it saves a second, release, build of the whole tree). Figures worth
# recording come from the default release build.
profile="${BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --locked --release --workspace --bin switchboard --bin switchboard-bench --bin switchboard-agent
else
  cargo build --locked --workspace --bin switchboard --bin switchboard-bench --bin switchboard-agent
  profile=debug
fi
exec "$target_dir/$profile/switchboard-bench" --server-bin "$target_dir/$profile/switchboard" "$@"
