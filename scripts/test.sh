#!/usr/bin/env bash
# The one command that runs every test, on a fresh machine or a warm one. It installs what it
# needs (PostgreSQL, buf, grpcurl, Go plugins, Python venv, npm packages, Maven dependencies,
# Chromium), builds once, and runs:
#   1. proto checks (buf lint, format, breaking against the previous commit)
#   2. the Rust unit and integration tests (real Postgres, real server on port 0)
#   3. client regeneration, failing on any difference with what is committed
#   4. each generated client's end-to-end tests against a live server (Python, Go, TypeScript,
#      Kotlin) and the web dashboard in Debian's Chromium
#   5. the benchmark tool in smoke mode (on the debug build: it checks the tool, not the speed)
# Skip parts with SKIP="clients web bench" (space-separated) while iterating.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
skip=" ${SKIP:-} "
started=$SECONDS
timings=()
step() { # name command...
  local name="$1"; shift
  if [[ "$skip" == *" $name "* ]]; then echo "=== skip $name"; return; fi
  echo "=== $name"
  local t=$SECONDS
  "$@"
  timings+=("$(printf '%-16s %4ds' "$name" $((SECONDS - t)))")
}

. scripts/tools.sh

proto_checks() {
  buf lint
  buf format --diff --exit-code
  if git rev-parse -q --verify HEAD~1 >/dev/null && git cat-file -e HEAD~1:buf.yaml 2>/dev/null; then
    buf breaking --against ".git#ref=HEAD~1"
  fi
}
step proto proto_checks

step build cargo build --locked --all-targets
step rust cargo test --locked -- --test-threads=4

regen() {
  for gen in clients/*/gen.sh; do
    echo "--- $gen"
    "$gen"
  done
  if ! git diff --exit-code --stat -- clients/ || [ -n "$(git status --porcelain --untracked-files=all -- clients/ | grep -v '^!!')" ]; then
    git status --porcelain -- clients/
    echo "generated clients differ from proto/: run the clients/*/gen.sh scripts and commit" >&2
    return 1
  fi
}
step regen regen

for lang in python go typescript kotlin; do
  step "$lang" scripts/with-server.sh "clients/$lang/test.sh"
done

step web-build clients/web/build.sh
step web scripts/with-server.sh clients/web/test.sh

if [ -x scripts/bench.sh ]; then
  step bench env BENCH_PROFILE=debug scripts/bench.sh --smoke
fi

echo "=== timings"
printf '%s\n' "${timings[@]}"
echo "total            $((SECONDS - started))s"
