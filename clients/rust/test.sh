#!/usr/bin/env bash
# Drives `switchboard-agent mcp` over stdio with the official MCP Python SDK (PyPI `mcp`, major 2),
# `switchboard-agent hook claude` with Claude Code's event payloads (tests/fixtures/claude-hooks)
# and `switchboard-agent claude` with a stand-in claude (and, where npm can install it, the real
# one's argument parsing) against the server named by SWITCHBOARD_URL / SWITCHBOARD_API_KEY /
# SWITCHBOARD_EMAIL / SWITCHBOARD_PASSWORD; the person's side is the Python client's Dashboard
# helper (clients/python) and its generated DashboardService stub.
# Run it as: scripts/with-server.sh clients/rust/test.sh [pytest args]
# The binary is target/debug/switchboard-agent (CARGO_TARGET_DIR honoured), built here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
# --workspace keeps the features the whole workspace's build resolved: no rebuild of shared crates.
cargo build --locked --quiet --manifest-path "$root/Cargo.toml" --workspace --bin switchboard-agent
export SWITCHBOARD_AGENT_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/switchboard-agent"

venv="$here/.venv"
py="$venv/bin/python"
pip=("$py" -m pip install -q --disable-pip-version-check)
[ -x "$py" ] || python3 -m venv "$venv"
# Third-party dependencies: installed once, again only when this list or the Python client's
# pyproject.toml changes. The MCP SDK is pinned to its major (its client API is stable within it).
deps=("mcp>=2.3,<3" "grpcio==1.76.0" "protobuf==6.33.6" "pytest==9.2.0" "setuptools==80.9.0")
stamp="$venv/.deps-$( (printf '%s\n' "${deps[@]}"; cat "$root/clients/python/pyproject.toml") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  "${pip[@]}" "${deps[@]}"
  rm -f "$venv"/.deps-* && touch "$stamp"
fi
# The person's side: the Python client as a user gets it (non-editable), without the network.
# Built from a copy so the Python client's own tree is left as it was.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/clients/python/." "$tmp/"
rm -rf "$tmp/.venv"
"${pip[@]}" --no-deps --no-build-isolation --force-reinstall "$tmp"
# The client library against the same server (ignored in a plain `cargo test`: it needs one).
cargo test --locked --quiet --manifest-path "$root/Cargo.toml" --workspace --test live -- --ignored
"$py" -m pytest -ra -p anyio tests "$@"
