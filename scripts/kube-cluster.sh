#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd + kube-apiserver (token auth, RBAC) +
# kube-controller-manager + kube-scheduler + kwok (fake kubelet for one fake node), on free
# loopback ports. Binaries are built once from the Go module proxy and cached outside the clone,
# keyed by version, so a warm start takes a few seconds.
#
#   scripts/kube-cluster.sh build         build (or find) the binaries, print their directory
#   scripts/kube-cluster.sh start DIR     start a cluster with its state in DIR; writes
#                                         DIR/kubeconfig and DIR/env (SWITCHBOARD_TEST_KUBECONFIG)
#   scripts/kube-cluster.sh stop DIR      stop what `start DIR` started (apiserver before etcd)
#   scripts/kube-cluster.sh run CMD...    start, run CMD with SWITCHBOARD_TEST_KUBECONFIG set, stop
#
# KUBE_CACHE overrides the cache directory (~/.cache/switchboard by default).
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
cache_root="${KUBE_CACHE:-$HOME/.cache/switchboard}"
bin_dir="$cache_root/kube-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
export PATH="/usr/local/go/bin:$PATH"

log() { printf '[kube-cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The staging modules k8s.io/kubernetes replaces with ./staging/...; the proxy serves each one
# as its own module at v0.<minor>.<patch>.
staging_modules=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
  cloud-provider cluster-bootstrap code-generator component-base component-helpers
  controller-manager cri-api cri-client cri-streaming csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils
  pod-security-admission sample-apiserver streaming)

build_kubernetes() {
  local mod="$1/k8s" staging="v0.${K8S_VERSION#v1.}"
  mkdir -p "$mod"
  {
    echo "module switchboard.local/kubebuild"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    for m in "${staging_modules[@]}"; do echo "replace k8s.io/$m => k8s.io/$m $staging"; done
  } >"$mod/go.mod"
  cat >"$mod/tools.go" <<'EOF'
//go:build tools

package kubebuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF
  local ver="k8s.io/component-base/version"
  local minor="${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  local ldflags="-s -w -X $ver.gitVersion=$K8S_VERSION -X $ver.gitMajor=1 -X $ver.gitMinor=$minor"
  ldflags+=" -X $ver.gitTreeState=clean"
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
    cd "$mod" && GOFLAGS=-mod=mod go build -tags tools -trimpath -ldflags "$ldflags" -o "$2/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler)
}

build_etcd() {
  local mod="$1/etcd" ver="${ETCD_VERSION}"
  mkdir -p "$mod"
  {
    echo "module switchboard.local/etcdbuild"
    echo
    echo "go 1.26"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ver"
    echo
    for m in api/v3 client/pkg/v3 client/v3 pkg/v3; do
      echo "replace go.etcd.io/etcd/$m => go.etcd.io/etcd/$m $ver"
    done
  } >"$mod/go.mod"
  cat >"$mod/tools.go" <<'EOF'
//go:build tools

package etcdbuild

import _ "go.etcd.io/etcd/server/v3"
EOF
  (cd "$mod" && GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
    cd "$mod" && GOFLAGS=-mod=mod go build -tags tools -trimpath -ldflags "-s -w" -o "$2/etcd" \
      go.etcd.io/etcd/server/v3)
}

cmd_build() {
  local need=()
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    [ -x "$bin_dir/$b" ] || need+=("$b")
  done
  if [ ${#need[@]} -gt 0 ]; then
    command -v go >/dev/null || die "go is not installed (needed to build ${need[*]})"
    local work tmp_bin
    work="$(mktemp -d)"
    tmp_bin="$bin_dir.partial"
    mkdir -p "$tmp_bin"
    log "building ${need[*]} into $bin_dir (a cold build takes ~10 minutes)"
    if [ ! -x "$tmp_bin/etcd" ]; then build_etcd "$work" "$tmp_bin" || die "etcd build failed"; fi
    if [ ! -x "$tmp_bin/kube-apiserver" ] || [ ! -x "$tmp_bin/kube-controller-manager" ] ||
      [ ! -x "$tmp_bin/kube-scheduler" ]; then
      build_kubernetes "$work" "$tmp_bin" || die "kubernetes build failed"
    fi
    if [ ! -x "$tmp_bin/kwok" ]; then
      GOBIN="$tmp_bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ||
        die "kwok build failed"
    fi
    rm -rf "$work"
    for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
      [ -x "$tmp_bin/$b" ] || die "$b missing after the build"
    done
    mkdir -p "$(dirname "$bin_dir")"
    rm -rf "$bin_dir"
    mv "$tmp_bin" "$bin_dir"
  fi
  echo "$bin_dir"
}

# A loopback port nobody listens on (bash only: nothing else is needed on the machine), below
# the kernel's ephemeral range (outgoing connections never hold it) and not handed out before
# in this run (the processes that take them start later).
taken_ports=" "
free_port() {
  local p low high
  read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    case "$taken_ports" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken_ports="$taken_ports$p "
      echo "$p"
      return
    fi
  done
}

# Stage definitions for kwok (its stand-in kubelet), written for these tests:
# - nodes become Ready and keep a heartbeat;
# - a scheduled pod becomes Running, unless its image is one of the two test images that
#   cannot start: `invalid::image` (InvalidImageName) and `switchboard.test/unpullable`
#   (ImagePullBackOff), which stay Pending with that waiting reason, as a kubelet reports them;
# - a pod annotated `switchboard.test/waiting-reason` (the tests put it on the Job's pod
#   template through kubernetes.pod_annotations) stays in that waiting reason, with
#   `switchboard.test/waiting-message` as the message: how a kubelet reports CrashLoopBackOff
#   (phase Running, a restart counted) or CreateContainerConfigError (Pending);
# - a pod annotated `switchboard.test/hold` stays Pending with no status (a start that never
#   comes, for the start deadline);
# - a running pod exits when a test annotates it `switchboard.test/exit-code` (Succeeded on 0,
#   Failed otherwise, `switchboard.test/message` as the termination message);
# - a pod being deleted goes away.
write_stages() {
  cat >"$1" <<'EOF_STAGES'
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
      addresses:
      - address: {{ NodeIP | Quote }}
        type: InternalIP
      allocatable:
        cpu: "16"
        memory: 64Gi
        pods: "10000"
      capacity:
        cpu: "16"
        memory: 64Gi
        pods: "10000"
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-heartbeat
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'In'
      values: ['True']
  delay:
    durationMilliseconds: 10000
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $now | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
  immediateNextStage: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-cannot-start
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
    - key: '.spec.containers.[0].image'
      operator: 'In'
      values: ['invalid::image', 'switchboard.test/unpullable']
    - key: '.status.containerStatuses'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        state:
          waiting:
            {{ if eq .image "invalid::image" }}
            reason: InvalidImageName
            message: {{ printf "Failed to apply default image tag %q: couldn't parse image name %q: invalid reference format" .image .image | Quote }}
            {{ else }}
            reason: ImagePullBackOff
            message: {{ printf "Back-off pulling image %q" .image | Quote }}
            {{ end }}
      {{ end }}
      phase: Pending
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-waiting
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
    - key: '.metadata.annotations["switchboard.test/waiting-reason"]'
      operator: 'Exists'
    - key: '.status.containerStatuses'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $reason := index .metadata.annotations "switchboard.test/waiting-reason" }}
      {{ $message := or (index .metadata.annotations "switchboard.test/waiting-message") "" }}
      {{ $crashed := eq $reason "CrashLoopBackOff" }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: {{ if $crashed }}1{{ else }}0{{ end }}
        {{ if $crashed }}
        lastState:
          terminated:
            exitCode: 1
            reason: Error
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
        {{ end }}
        state:
          waiting:
            reason: {{ $reason | Quote }}
            message: {{ $message | Quote }}
      {{ end }}
      phase: {{ if $crashed }}Running{{ else }}Pending{{ end }}
      {{ if $crashed }}startTime: {{ $now | Quote }}{{ end }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-running
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
    - key: '.spec.containers.[0].image'
      operator: 'NotIn'
      values: ['invalid::image', 'switchboard.test/unpullable']
    - key: '.metadata.annotations["switchboard.test/waiting-reason"]'
      operator: 'DoesNotExist'
    - key: '.metadata.annotations["switchboard.test/hold"]'
      operator: 'DoesNotExist'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-exit
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
    - key: '.metadata.annotations["switchboard.test/exit-code"]'
      operator: 'Exists'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $code := index .metadata.annotations "switchboard.test/exit-code" }}
      {{ $message := or (index .metadata.annotations "switchboard.test/message") "" }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: Ready
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: {{ $code }}
            message: {{ $message | Quote }}
            reason: {{ if eq $code "0" }}Completed{{ else }}Error{{ end }}
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      phase: {{ if eq $code "0" }}Succeeded{{ else }}Failed{{ end }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
EOF_STAGES
}

# Waits until `curl` of an apiserver path answers 200 (30 s at most).
wait_ready() { # url token cafile what
  local i
  for i in $(seq 1 300); do
    if curl -fsS --cacert "$3" -H "Authorization: Bearer $2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

api() { # dir method path [json]
  local dir="$1" method="$2" path="$3"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  curl -fsS --cacert "$dir/pki/ca.crt" -H "Authorization: Bearer $KUBE_TOKEN" \
    -H 'Content-Type: application/json' -X "$method" "$KUBE_SERVER$path" ${4:+--data "$4"}
}

start_bg() { # dir name command...
  local dir="$1" name="$2"; shift 2
  "$@" >"$dir/logs/$name.log" 2>&1 &
  echo "$! $name" >>"$dir/pids"
}

cmd_start() {
  local dir="$1"
  [ -n "$dir" ] || die "usage: $0 start DIR"
  command -v openssl >/dev/null || die "openssl is needed for the cluster's certificates"
  command -v curl >/dev/null || die "curl is needed to check the cluster"
  local bins
  bins="$(cmd_build)"
  mkdir -p "$dir/pki" "$dir/logs" "$dir/etcd"
  dir="$(cd "$dir" && pwd)"
  : >"$dir/pids"
  local pki="$dir/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=switchboard-test-ca \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout "$pki/apiserver.key" \
    -out "$pki/apiserver.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >"$pki/san.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/san.ext" -out "$pki/apiserver.crt" >/dev/null 2>&1
  openssl genrsa -out "$pki/sa.key" 2048 >/dev/null 2>&1
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" >/dev/null 2>&1
  local token
  token="$(openssl rand -hex 24)"
  printf '%s,switchboard-test-admin,switchboard-test-admin,"system:masters"\n' "$token" >"$pki/tokens.csv"
  chmod 600 "$pki"/*.key "$pki/tokens.csv"

  local etcd_port peer_port api_port kwok_port
  # Not $(free_port): a subshell would not remember the ports it handed out.
  free_port >"$dir/port"; etcd_port="$(<"$dir/port")"
  free_port >"$dir/port"; peer_port="$(<"$dir/port")"
  free_port >"$dir/port"; api_port="$(<"$dir/port")"
  local server="https://127.0.0.1:$api_port"
  printf 'KUBE_SERVER=%s\nKUBE_TOKEN=%s\n' "$server" "$token" >"$dir/cluster.env"
  chmod 600 "$dir/cluster.env"
  cat >"$dir/kubeconfig" <<EOF_KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: admin
  user:
    token: $token
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
EOF_KC
  chmod 600 "$dir/kubeconfig"

  start_bg "$dir" etcd "$bins/etcd" --name test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "test=http://127.0.0.1:$peer_port" --unsafe-no-fsync
  start_bg "$dir" kube-apiserver "$bins/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" --service-cluster-ip-range 10.0.0.0/24 \
    --endpoint-reconciler-type none --enable-priority-and-fairness=false
  if ! wait_ready "$server/readyz" "$token" "$pki/ca.crt"; then
    tail -n 20 "$dir/logs/kube-apiserver.log" >&2
    cmd_stop "$dir"
    die "kube-apiserver did not become ready (logs in $dir/logs)"
  fi
  start_bg "$dir" kube-controller-manager "$bins/kube-controller-manager" --kubeconfig "$dir/kubeconfig" \
    --secure-port 0 --leader-elect=false --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --use-service-account-credentials=false --controllers '*'
  start_bg "$dir" kube-scheduler "$bins/kube-scheduler" --kubeconfig "$dir/kubeconfig" \
    --secure-port 0 --leader-elect=false
  write_stages "$dir/kwok-stages.yaml"
  # kwok binds its server port late: if another process took the port meanwhile it fails
  # ("address already in use"), so it is started again on another port (seen once in CI).
  local attempt
  for attempt in 1 2 3; do
    free_port >"$dir/port"; kwok_port="$(<"$dir/port")"
    start_bg "$dir" kwok "$bins/kwok" --config "$dir/kwok-stages.yaml" --kubeconfig "$dir/kubeconfig" \
      --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
      --server-address "127.0.0.1:$kwok_port" --node-ip 10.0.1.1 --cidr 10.1.0.0/16
    local kwok_pid
    kwok_pid="$(awk '$2 == "kwok" {p = $1} END {print p}' "$dir/pids")"
    for _ in $(seq 1 30); do
      grep -q "address already in use" "$dir/logs/kwok.log" 2>/dev/null && break
      sleep 0.1
    done
    if ! grep -q "address already in use" "$dir/logs/kwok.log" 2>/dev/null; then
      break
    fi
    log "kwok could not bind 127.0.0.1:$kwok_port (attempt $attempt); another port"
    kill "$kwok_pid" 2>/dev/null || true
    wait "$kwok_pid" 2>/dev/null || true
  done
  api "$dir" POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-0","annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},"labels":{"kubernetes.io/hostname":"kwok-node-0","type":"kwok"}}}' >/dev/null ||
    { cmd_stop "$dir"; die "cannot create the fake node"; }
  # Ready: the node is Ready and the default ServiceAccount of `default` exists (the
  # controller-manager runs).
  local i ok=0
  for i in $(seq 1 300); do
    if api "$dir" GET /api/v1/nodes/kwok-node-0 2>/dev/null | grep -q '"reason": *"KubeletReady"' &&
      api "$dir" GET /api/v1/namespaces/default/serviceaccounts/default >/dev/null 2>&1; then
      ok=1; break
    fi
    sleep 0.1
  done
  if [ "$ok" != 1 ]; then
    tail -n 5 "$dir"/logs/*.log >&2
    cmd_stop "$dir"
    die "the cluster did not become ready (logs in $dir/logs)"
  fi
  printf 'SWITCHBOARD_TEST_KUBECONFIG=%s\n' "$dir/kubeconfig" >"$dir/env"
  log "cluster ready: $server (kubeconfig $dir/kubeconfig)"
}

# Stops what `start` recorded, newest first, so the apiserver stops before etcd.
cmd_stop() {
  local dir="$1" pid name
  [ -f "$dir/pids" ] || return 0
  tac "$dir/pids" | while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) did not stop in 10 s; killing it"
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
  done
  rm -f "$dir/pids"
}

run_dir=""
cmd_run() {
  run_dir="$(mktemp -d "${TMPDIR:-/tmp}/switchboard-kube.XXXXXX")"
  trap 'cmd_stop "$run_dir"; rm -rf "$run_dir"' EXIT
  cmd_start "$run_dir"
  SWITCHBOARD_TEST_KUBECONFIG="$run_dir/kubeconfig" "$@"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  run) shift; [ $# -gt 0 ] || die "usage: $0 run CMD..."; cmd_run "$@" ;;
  *) die "usage: $0 build|start DIR|stop DIR|run CMD..." ;;
esac
