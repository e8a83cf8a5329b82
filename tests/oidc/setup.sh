#!/usr/bin/env bash
# The real OpenID Connect provider the OIDC tests start (tests/oidc/provider.mjs, the certified
# `oidc-provider` package from npm, pinned in package.json), installed into tests/oidc/node_modules.
# Run by scripts/test.sh; run it once by hand before `cargo test` on a fresh checkout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
want="$(node -p 'require("./package.json").dependencies["oidc-provider"]')"
have="$(node -p 'try { require("./node_modules/oidc-provider/package.json").version } catch { "" }')"
if [ "$have" != "$want" ]; then
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --silent
  else
    npm install --no-audit --no-fund --silent
  fi
fi
