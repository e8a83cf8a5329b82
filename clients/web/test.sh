#!/usr/bin/env bash
# Unit tests (vitest) and the browser end-to-end test (playwright-core + Debian's Chromium)
# against the server from scripts/with-server.sh, which serves clients/web/dist.
# Run clients/web/build.sh first (this script builds only when dist/ is missing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if [ ! -f dist/index.html ] || [ ! -d node_modules ]; then
  ./build.sh
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
npx --no-install vitest run
node --test --test-concurrency=1 --test-timeout=180000 e2e/
