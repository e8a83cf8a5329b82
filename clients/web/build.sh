#!/usr/bin/env bash
# Installs dependencies and builds the dashboard into clients/web/dist (served by `switchboard serve`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The generated TypeScript client first: the app imports it as @switchboard/client (file:../typescript).
cd "$here/../typescript"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc -p tsconfig.json
cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc --noEmit -p tsconfig.json
npx --no-install vite build --logLevel warn
echo "web: built $(du -sh dist | cut -f1) into $here/dist"
