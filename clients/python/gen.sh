#!/usr/bin/env bash
# Regenerates the Python messages, type stubs and gRPC stubs under src/switchboard/v1 from proto/.
# Deterministic: the protoc used is the one bundled with the grpcio-tools pinned below.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
GRPCIO_TOOLS_VERSION=1.76.0

# The venv that also serves test.sh; grpcio-tools is installed into it once.
[ -x "$here/.venv/bin/python" ] || python3 -m venv "$here/.venv"
if ! "$here/.venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('grpcio-tools') != '$GRPCIO_TOOLS_VERSION')" 2>/dev/null; then
  "$here/.venv/bin/pip" install -q --disable-pip-version-check "grpcio-tools==$GRPCIO_TOOLS_VERSION"
fi

. "$root/scripts/tools.sh"
cd "$root"
rm -f clients/python/src/switchboard/v1/*_pb2.py clients/python/src/switchboard/v1/*_pb2.pyi \
  clients/python/src/switchboard/v1/*_pb2_grpc.py
buf generate --template clients/python/buf.gen.yaml
