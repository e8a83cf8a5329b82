#!/usr/bin/env bash
# Runs the Go client's end-to-end tests against the server named by SWITCHBOARD_URL /
# SWITCHBOARD_API_KEY / SWITCHBOARD_EMAIL / SWITCHBOARD_PASSWORD
# (run it as: scripts/with-server.sh clients/go/test.sh). Modules go to the usual Go module cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH="/usr/local/go/bin:$PATH"
go mod download
# -count=1: always talk to the live server (never reuse a cached result).
exec go test -count=1 -v ./... "$@"
