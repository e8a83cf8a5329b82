#!/usr/bin/env bash
# Installs dependencies (npm ci), compiles with tsc and runs the tests with node's test runner
# against the server described by SWITCHBOARD_* (run via scripts/with-server.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf build-test
npx --no-install tsc -p tsconfig.test.json
npx --no-install tsc -p tsconfig.json
node --test --test-concurrency=1 --test-timeout=60000 build-test/test/
