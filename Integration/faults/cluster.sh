# Sourced by Integration/faults/run (after ../lib.sh): a 3-node namespace cluster under its
# own prefix and subnet, and helpers to read engine state and run the verifying workload.
# Everything is torn down on exit.
root=$TANDEM_ROOT
B=$TANDEM_BIN
# TANDEM_FAULTS_PREFIX / TANDEM_FAULTS_SUBNET run a second faults cluster beside a first one.
export TANDEM_CLUSTER_PREFIX=${TANDEM_FAULTS_PREFIX:-tfault} TANDEM_CLUSTER_SUBNET=${TANDEM_FAULTS_SUBNET:-10.89.0}
export TANDEM_CLUSTER_DIR=$(mktemp -d /tmp/tandem-faults.XXXXXX)
export LS_CONTROLLERS=$TANDEM_CLUSTER_SUBNET.1
NET=$TANDEM_CLUSTER_SUBNET
D=$TANDEM_CLUSTER_DIR
W=$D/workload  # workload logs and outputs
mkdir -p "$W"
cl() { "$root/scripts/cluster" "$@"; }
# Only a cluster this run brought up is torn down: when preflight finds another run's cluster
# under the same prefix, leaving must not take that one down in the middle of its checks.
trap '_cleanup_bg; [ -e "$D/owned" ] && cl down >/dev/null 2>&1; cp -r "$D/logs" "$TANDEM_LOGS/cluster-logs" 2>/dev/null; cp -r "$W" "$TANDEM_LOGS/workload" 2>/dev/null; rm -rf "$D"' EXIT
rm -rf "$TANDEM_LOGS/cluster-logs" "$TANDEM_LOGS/workload"

# faults_preflight: why this machine cannot run the cluster (prints it), or nothing.
faults_preflight() {
  [ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; return 1; }
  need ip python3 || return 1
  if ip netns list 2>/dev/null | grep -q "^$TANDEM_CLUSTER_PREFIX-"; then
    echo "a $TANDEM_CLUSTER_PREFIX cluster is already up on this machine"; return 1
  fi
}

# --- helpers -------------------------------------------------------------------------------

# until_true SECONDS CMD...: polls CMD until it succeeds; false on timeout.
until_true() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.3; done
}

# est NODE RES EXPR: a Python expression over the engine's status of RES on NODE:
# r (resource), v (volume 0), c (connections by peer name).
est() {
  "$B" adm --state-dir "$D/$1/engine" status "$2" --json 2>/dev/null | python3 -c "
import json, sys
r = json.load(sys.stdin)[0]; v = r['volumes'][0] if r['volumes'] else {}
c = {x['peerName']: x for x in r['connections']}
pv = lambda p: c[p]['peerVolumes'][0] if c.get(p) and c[p]['peerVolumes'] else {}
print($3)" 2>/dev/null
}
is() { [ "$(est "$1" "$2" "$3")" = "$4" ]; }
# Total resync bytes NODE received for RES, from all peers; from one peer.
rs_received() { est "$1" "$2" "sum(x['peerVolumes'][0]['resyncReceivedBytes'] for x in r['connections'] if x['peerVolumes'])"; }
# (Retried: under load one status call can time out, and an empty reading would count as 0.)
rs_from() {
  local v i
  for i in 1 2 3 4 5; do v=$(est "$1" "$2" "pv('$3')['resyncReceivedBytes']"); [ -n "$v" ] && { echo "$v"; return 0; }; sleep 0.5; done
  return 1
}

# healthy RES NODES...: every node UpToDate and every connection among them Established.
healthy() {
  local res=$1 n p; shift
  for n in "$@"; do
    is "$n" "$res" "v.get('disk')" UpToDate || return 1
    for p in "$@"; do
      [ "$p" = "$n" ] || is "$n" "$res" "pv('$p').get('replication')" Established || return 1
    done
  done
}

# mkres RES "PROPS…" NODES...: a 64 MiB resource on NODES with the test's liveness options
# (plus PROPS, space-separated KEY=VALUE). Its initial sync runs in the background (all the
# resources are made at once so the syncs overlap); each check waits for `healthy` first.
mkres() {
  local res=$1 extra=$2 kv; shift 2
  "$B" rd create "$res" >/dev/null || return 1
  for kv in DrbdOptions/Net/ping-int=1 DrbdOptions/Net/ping-timeout=3 DrbdOptions/Net/connect-int=1 \
            DrbdOptions/PeerDevice/c-min-rate=50MiB $extra; do
    "$B" rd set-property "$res" "${kv%%=*}" "${kv#*=}" >/dev/null || return 1
  done
  "$B" vd create "$res" 64M >/dev/null || return 1
  "$B" r c "$@" "$res" --storage-pool swpool >/dev/null || return 1
}
declare -A made
ready() { [ "${made[$1]:-}" = yes ] && until_true 120 healthy "$@"; }

sock() { echo "$D/$1/engine/run/nbd.sock"; }
# wl NODE RES LOG ARGS...: the verifying workload through NODE's engine (output to LOG.out).
wl() { local n=$1 r=$2 log=$3; shift 3; "$B" nbd workload --socket "$(sock "$n")" --export "$r/0" --log "$W/$log" "$@" >>"$W/$log.out" 2>&1; }
# wl_bg …: the same in the background; its pid (the workload's own) in $pid.
wl_bg() {
  local n=$1 r=$2 log=$3; shift 3
  "$B" nbd workload --socket "$(sock "$n")" --export "$r/0" --log "$W/$log" "$@" >>"$W/$log.out" 2>&1 &
  pid=$!; echo $pid >>"$_bg_pidfile"
}
# vf NODE RES LOG: verify LOG through NODE (output to LOG.verify-NODE).
vf() { "$B" nbd verify --socket "$(sock "$1")" --export "$2/0" --log "$W/$3" >"$W/$3.verify-$1" 2>&1; }
acked() { echo $(( $(wc -l <"$W/$1") - 1 )); }
last() { tail -"${2:-2}" "$1" 2>/dev/null | tr '\n' ' '; }
elog_lines() { wc -l <"$D/logs/$1-engine.log"; }

# Object names the controller knows, sorted: nodes, pools, definitions, resources.
objects() {
  local what
  for what in node storage-pool resource-definition resource; do
    "$B" -m "$what" list 2>/dev/null | python3 -c "
import json, sys
for item in json.load(sys.stdin)[0]:
    print('$what', '|'.join(str(item.get(k, '')) for k in ('name', 'storage_pool_name', 'node_name', 'resource_name')))" || return 1
  done | sort
}
online_count() { "$B" node list 2>/dev/null | grep -c "Online"; }
# all_online: every node of the 3-node cluster is Online (a command, so until_true re-asks each time).
all_online() { [ "$(online_count)" -eq 3 ]; }
rest_up() { (exec 3<>/dev/tcp/$NET.1/3370) 2>/dev/null; }


# faults_cluster_up: 3 nodes (n1 Combined), a FILE_THIN pool "swpool" on each, all Online.
faults_cluster_up() {
  touch "$D/owned"
  if ! cl up 3 >"$TANDEM_LOGS/cluster-up.log" 2>&1 || ! until_true 20 rest_up; then
    echo "the 3-node cluster did not come up: $(last "$TANDEM_LOGS/cluster-up.log" 3)"; return 1
  fi
  (
    "$B" node create --node-type Combined n1 $NET.1 && "$B" node create n2 $NET.2 && "$B" node create n3 $NET.3 &&
    for n in n1 n2 n3; do mkdir -p "$D/$n/pool" && "$B" storage-pool create filethin "$n" swpool "$D/$n/pool" || exit 1; done
  ) >"$TANDEM_LOGS/setup.log" 2>&1
  until_true 20 all_online || { echo "nodes did not come Online: $(last "$TANDEM_LOGS/setup.log" 3)"; return 1; }
}
