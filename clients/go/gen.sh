#!/usr/bin/env bash
# Regenerates the Go messages and gRPC stubs under gen/ from proto/ (deterministic: the plugin
# versions are pinned by scripts/tools.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/tools.sh"
cd "$root"
rm -rf clients/go/gen
buf generate --template clients/go/buf.gen.yaml
