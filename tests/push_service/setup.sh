#!/usr/bin/env bash
# Makes tests/push_service/.venv with the stand-in's dependencies (idempotent; the Rust tests
# run it before starting the stand-in, scripts/test.sh through them). Safe to run concurrently.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.deps-$(sha256sum "$here/requirements.txt" | cut -c1-16)"
[ -f "$stamp" ] && exit 0
exec 9>"$here/.setup.lock"
flock 9
[ -f "$stamp" ] && exit 0
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
rm -f "$venv"/.deps-* && touch "$stamp"
