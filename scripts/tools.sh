#!/usr/bin/env bash
# Installs the shared command-line tools the build and tests need into ./.tools and puts them on
# PATH. Idempotent and quiet when everything is present. Source it: `. scripts/tools.sh`.
#
#   buf                      (npm @bufbuild/buf)       lint, format, breaking, generate
#   grpcurl                  (Go module)               what our users debug with
#   protoc-gen-go, -go-grpc  (Go modules)              Go client generation
#   PostgreSQL 15 server     (Debian postgresql-15)    tests start their own clusters
set -euo pipefail
SB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SB_TOOLS="$SB_ROOT/.tools"
mkdir -p "$SB_TOOLS/bin"
export GOBIN="$SB_TOOLS/bin"
export PATH="$SB_TOOLS/bin:$SB_TOOLS/npm/node_modules/.bin:/usr/local/go/bin:$PATH"

sb_log() { printf '[tools] %s\n' "$*" >&2; }

sb_apt_updated=0
sb_apt_install() {
  if [ "$sb_apt_updated" = 0 ]; then
    sb_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    sb_apt_updated=1
  fi
  sb_log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sb_apt_install postgresql-15
fi

# The benchmark's tls scenario makes its CA and certificate with the openssl command.
if ! command -v openssl >/dev/null 2>&1; then
  sb_apt_install openssl
fi

if [ ! -x "$SB_TOOLS/npm/node_modules/.bin/buf" ]; then
  sb_log "npm install @bufbuild/buf"
  mkdir -p "$SB_TOOLS/npm"
  (cd "$SB_TOOLS/npm" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --no-audit --no-fund --silent @bufbuild/buf@1.75.0 >/dev/null)
fi

sb_go_install() { # binary module@version
  if [ ! -x "$SB_TOOLS/bin/$1" ]; then
    sb_log "go install $2"
    go install "$2"
  fi
}
sb_go_install grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3
sb_go_install protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
sb_go_install protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1
