#!/usr/bin/env bash
# Reproducer (not run by scripts/test): after `tandem adm invalidate` on a node, its peer (the
# node it resyncs from) does not show SyncSource.
#
# Two replicas, both UpToDate; `invalidate r1` on n2 makes n2 SyncTarget of n1 (its status shows
# `replication:SyncTarget … done:N`), but n1 keeps showing `replication:Established
# peer-disk:Inconsistent` toward n2 for the whole resync, so `tandem r lv` shows n1
# `Established(1)` and `tandem monitor` on n1 has no progress bar; DRBD shows SyncSource with the
# percentage on the source. (ReplicationCore's adminInvalidate starts the resync on the target
# only; the source serves the requests without a ResyncProgress of its own. A resync planned by
# the handshake, e.g. a new replica joining, shows SyncSource correctly.)
# Exit 1 when the bug shows (n1 never SyncSource within 5 s of the invalidate), 0 when fixed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/cluster.sh"
why=$(faults_preflight) || { echo "skipped: $why"; exit 0; }
why=$(faults_cluster_up) || { echo "setup failed: $why"; exit 2; }
# A 64 MiB volume capped at 8 MiB/s: the resync runs for about 8 s.
mkres r1 "DrbdOptions/PeerDevice/c-min-rate=4MiB DrbdOptions/Net/c-max-rate=8192" n1 n2 && made[r1]=yes
ready r1 n1 n2 || { echo "setup failed: r1 not UpToDate"; exit 2; }
"$B" adm --state-dir "$D/n2/engine" invalidate r1 || { echo "setup failed: invalidate refused"; exit 2; }
until_true 5 is n1 r1 "pv('n2').get('replication')" SyncSource; source_seen=$?
echo "n2: $(est n2 r1 "pv('n1').get('replication'), pv('n1').get('donePercent')")  n1 toward n2: $(est n1 r1 "pv('n2').get('replication'), pv('n2').get('peerDisk'), pv('n2').get('donePercent')")"
until_true 60 healthy r1 n1 n2
if [ $source_seen -ne 0 ]; then echo "REPRODUCED: n2 resynced from n1 after invalidate, but n1 never showed SyncSource"; exit 1; fi
echo "not reproduced: n1 showed SyncSource"
