#!/usr/bin/env bash
# The one command that runs every test, on a fresh machine or a warm one. It installs what it
# needs (PostgreSQL, buf, grpcurl, Go plugins, Python venvs (incl. aiosmtpd), npm packages (incl. the OIDC test provider), Maven dependencies,
# Chromium), builds once, and runs:
#   1. proto checks (buf lint, format, breaking against the main branch's last landed commit)
#   2. the Rust unit and integration tests (real Postgres, real server on port 0)
#   3. client regeneration, failing on any difference with what is committed (Go, Python,
#      TypeScript; the Kotlin client generates its code in its Maven build)
#   4. each generated client's end-to-end tests against a live server (Python, Go, TypeScript,
#      Kotlin), the agent binary's MCP server (clients/rust) driven by the MCP Python SDK, and
#      the web dashboard in Debian's Chromium
#   5. the benchmark tool in smoke mode (on the debug build: it checks the tool, not the speed)
#   (a Kubernetes control plane, scripts/kube-cluster.sh, runs for the Rust tests: step `kube`)
# Skip parts with SKIP="clients web bench kube" (space-separated) while iterating.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
skip=" ${SKIP:-} "
started=$SECONDS
timings=()
step() { # name command...
  local name="$1"; shift
  if [[ "$skip" == *" $name "* ]]; then echo "=== skip $name"; return; fi
  echo "=== $name"
  local t=$SECONDS
  "$@"
  timings+=("$(printf '%-16s %4ds' "$name" $((SECONDS - t)))")
}

. scripts/tools.sh

# The contract `buf breaking` compares with: the main branch's last landed commit.
# - On a branch (a developer's worktree), where it left main (`git merge-base HEAD origin/main`,
#   or local `main`), so that every commit of the branch is checked, not only the last one.
# - On main itself, as CI's fresh clone of main has it (HEAD is main's tip, the branch's commits
#   already on it): the working changes are the uncommitted ones when proto/ has some (compare
#   with HEAD), else the last commit (compare with its first parent, which is main's previous tip
#   when a branch lands as a merge commit). The developer's run has compared the whole branch.
# BUF_AGAINST=<git ref> overrides.
breaking_base() {
  if [ -n "${BUF_AGAINST:-}" ]; then echo "$BUF_AGAINST"; return; fi
  local head ref base
  head="$(git rev-parse HEAD)"
  for ref in origin/main main; do
    git rev-parse -q --verify "$ref^{commit}" >/dev/null || continue
    base="$(git merge-base HEAD "$ref" 2>/dev/null || true)"
    if [ -n "$base" ] && [ "$base" != "$head" ]; then echo "$base"; return; fi
  done
  if ! git diff --quiet HEAD -- proto/; then echo HEAD; return; fi
  git rev-parse -q --verify 'HEAD^1' || true
}

proto_checks() {
  buf lint
  buf format --diff --exit-code
  local base
  base="$(breaking_base)"
  if [ -n "$base" ] && git cat-file -e "$base:buf.yaml" 2>/dev/null; then
    echo "buf breaking against $base"
    buf breaking --against ".git#ref=$base"
  fi
}
step proto proto_checks

# The real SMTP server (aiosmtpd) the email notification tests start.
step smtp tests/smtp/setup.sh
# The real OpenID Connect provider (oidc-provider from npm) the OIDC sign-in tests start.
step oidc tests/oidc/setup.sh
step build cargo build --locked --workspace --all-targets

# A real Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) for
# tests/integration/kubernetes.rs: built once from the Go module proxy (~10 minutes cold, cached
# in ~/.cache/switchboard), started in seconds, stopped when this script exits. A failure to
# start stops the run. SKIP=kube opts out locally (the Kubernetes tests then skip; under CI=true
# they fail instead).
kube_dir=""
stop_kube() {
  if [ -n "$kube_dir" ]; then
    scripts/kube-cluster.sh stop "$kube_dir" || true
    rm -rf "$kube_dir"
  fi
}
start_kube() {
  kube_dir="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-kube.XXXXXX")"
  trap stop_kube EXIT
  scripts/kube-cluster.sh start "$kube_dir"
  export SWITCHBOARD_TEST_KUBECONFIG="$kube_dir/kubeconfig"
}
step kube start_kube
step rust cargo test --locked --workspace -- --test-threads=4

regen() {
  for gen in clients/*/gen.sh; do
    # Nothing generated is committed for Kotlin: its Maven build generates it (the kotlin step).
    [ "$gen" = clients/kotlin/gen.sh ] && continue
    echo "--- $gen"
    "$gen"
  done
  if ! git diff --exit-code --stat -- clients/ || [ -n "$(git status --porcelain --untracked-files=all -- clients/ | grep -v '^!!')" ]; then
    git status --porcelain -- clients/
    echo "generated clients differ from proto/: run the clients/*/gen.sh scripts and commit" >&2
    return 1
  fi
}
step regen regen

for lang in python go typescript kotlin; do
  # --tls: also a TLS-only server with a CA made for the run (each client tests https://).
  step "$lang" scripts/with-server.sh --tls "clients/$lang/test.sh"
done
# The agent binary's MCP server, driven by the official MCP Python SDK.
step agent-mcp scripts/with-server.sh --tls clients/rust/test.sh

step web-build clients/web/build.sh
step web scripts/with-server.sh clients/web/test.sh

if [ -x scripts/bench.sh ]; then
  step bench env BENCH_PROFILE=debug scripts/bench.sh --smoke
fi

echo "=== timings"
printf '%s\n' "${timings[@]}"
echo "total            $((SECONDS - started))s"
