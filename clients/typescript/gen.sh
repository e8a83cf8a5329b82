#!/usr/bin/env bash
# Regenerates src/gen from proto/ with buf and the local protoc-gen-es (deterministic).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/tools.sh"
cd "$here"
if [ ! -x node_modules/.bin/protoc-gen-es ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
buf generate --template buf.gen.yaml
