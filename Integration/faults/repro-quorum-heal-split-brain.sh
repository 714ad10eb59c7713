#!/usr/bin/env bash
# Reproducer (not run by scripts/test): a Primary that lost quorum finds a split brain on heal.
#
# Three replicas, quorum majority, on-no-quorum io-error. n1 is Primary and writing when its link
# is cut. Its two peers time out one after the other: when the first goes, n1 still has quorum
# with the other, starts a new current generation ("tracking changes for absent node(s) …") and
# writes a few blocks locally that are never acknowledged (the second peer never answers; then
# quorum is lost and they fail with EIO). The majority (n2, n3) promotes n2, which starts its own
# generation. On heal both sides have changed since the common generation and the engine
# declares split brain (StandAlone) against both peers, although n1 carries the
# primaryLostQuorum flag: DRBD's rule is that the side that lost quorum as Primary yields and
# becomes SyncTarget (its unreplicated writes were never acknowledged). The flag is sent in the
# handshake (ReplicaInstance+Connection.swift) but GenerationComparison never looks at it.
# Exit 1 when the bug shows, 0 when n1 resyncs from the majority.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/cluster.sh"
why=$(faults_preflight) || { echo "skipped: $why"; exit 0; }
why=$(faults_cluster_up) || { echo "setup failed: $why"; exit 2; }
mkres r6 "DrbdOptions/Resource/quorum=majority DrbdOptions/Resource/on-no-quorum=io-error" n1 n2 n3 \
  && until_true 120 healthy r6 n1 n2 n3 || { echo "setup failed: r6 not UpToDate"; exit 2; }
wl_bg n1 r6 w.log --seconds 30 --blocks 1024 --timeout 15
sleep 2
cl cut n1
wait "$pid"
echo "n1 workload: $(last "$W/w.log.out" 2)"
n2_lost_n1() { ! is n2 r6 "c['n1']['connection']" Connected; }
until_true 15 n2_lost_n1
wl n2 r6 w.log --seconds 2 --blocks 1024 || { echo "setup failed: the majority side did not accept writes"; exit 2; }
cl heal n1
if until_true 30 healthy r6 n1 n2 n3 && vf n1 r6 w.log; then echo "not reproduced: n1 resynced from the majority"; exit 0; fi
echo "n1 after heal: $(est n1 r6 "v.get('disk'), {p: x['connection'] for p, x in c.items()}, r.get('error')")"
grep "r6.*split brain" "$D/logs/n1-engine.log" | head -2
echo "REPRODUCED: the Primary that lost quorum does not resync from the majority after heal"
exit 1
