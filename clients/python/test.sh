#!/usr/bin/env bash
# Installs the package into clients/python/.venv and runs its tests against the server named by
# SWITCHBOARD_URL / SWITCHBOARD_API_KEY / SWITCHBOARD_EMAIL / SWITCHBOARD_PASSWORD
# (run it as: scripts/with-server.sh clients/python/test.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
venv="$here/.venv"
py="$venv/bin/python"
pip=("$py" -m pip install -q --disable-pip-version-check)

[ -x "$py" ] || python3 -m venv "$venv"
# Third-party dependencies: installed once, again only when this list or pyproject.toml changes.
deps=("grpcio==1.76.0" "protobuf==6.33.6" "pytest==9.2.0" "setuptools==80.9.0")
stamp="$venv/.deps-$( (printf '%s\n' "${deps[@]}"; cat pyproject.toml) | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "${pip[@]}" "${deps[@]}"
  rm -f "$venv"/.deps-* && touch "$stamp"
fi
# The package itself, as a user gets it (a real, non-editable install), without touching the network.
"${pip[@]}" --no-deps --no-build-isolation --force-reinstall .
rm -rf build src/*.egg-info
exec "$py" -m pytest -ra "$@"
