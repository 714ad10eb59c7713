#!/usr/bin/env bash
# Reproducer (not run by scripts/test): a returning node resyncs the same blocks from every peer.
#
# Three replicas, n1 Primary writing to a 2 MiB region, n3's link cut for 5 s, then healed.
# n1 and n2 both tracked the blocks n3 missed; n3 resyncs them from one peer, and then, when it
# connects to the other with equal generations ("equal-lower-node-id", onlyIfBits), again from
# that one (or from both at once), instead of the others clearing their bits once n3 is in sync
# (DRBD's peers-in-sync). The data ends correct; the resync traffic is up to doubled.
# Exit 1 when n3 received more resync data than the blocks written while it was away.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/cluster.sh"
why=$(faults_preflight) || { echo "skipped: $why"; exit 0; }
why=$(faults_cluster_up) || { echo "setup failed: $why"; exit 2; }
mkres r3 "DrbdOptions/Resource/quorum=majority" n1 n2 n3 && until_true 120 healthy r3 n1 n2 n3 || { echo "setup failed: r3 not UpToDate"; exit 2; }
from_n1=$(rs_from n3 r3 n1); from_n2=$(rs_from n3 r3 n2)
# The workload ends before the heal, so what n3 missed is exactly what was written after the cut.
wl_bg n1 r3 w.log --seconds 8 --blocks 512
sleep 2
cl cut n3; at_cut=$(acked w.log)
wait "$pid"
cl heal n3
until_true 60 healthy r3 n1 n2 n3 || { echo "setup failed: n3 did not come back"; exit 2; }
from_n1=$(( $(rs_from n3 r3 n1) - from_n1 )); from_n2=$(( $(rs_from n3 r3 n2) - from_n2 ))
# Blocks written after the cut, plus the 4 that may have been in flight at the cut.
missed=$(( ($(tail -n +$((at_cut + 2)) "$W/w.log" | cut -d' ' -f1 | sort -u | wc -l) + 4) * 4096 ))
echo "n3 missed at most $((missed >> 10)) KiB; it resynced $((from_n1 >> 10)) KiB from n1 and $((from_n2 >> 10)) KiB from n2"
grep "r3.*resync from" "$D/logs/n3-engine.log" | tail -4
if [ $((from_n1 + from_n2)) -gt "$missed" ]; then echo "REPRODUCED: more resync traffic than blocks missed"; exit 1; fi
echo "not reproduced"
