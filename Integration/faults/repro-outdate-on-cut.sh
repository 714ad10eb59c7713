#!/usr/bin/env bash
# Reproducer (not run by scripts/test): a Secondary cut off from the others does not go Outdated.
#
# Three replicas with quorum majority, n1 Primary writing, n3's link cut. DRBD 9 marks the data
# of a Secondary that lost quorum Outdated (it knows it is behind and must not be promoted); the
# issue asks for it too ("the cut node goes Outdated"). Tandem's engine never moves a disk to
# Outdated at run time (ReplicationCore sets .outdated only when loading metadata), so n3 stays
# UpToDate while the Primary writes without it.
# Exit 1 when the bug shows (n3 not Outdated after 10 s cut), 0 when it is fixed.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/cluster.sh"
why=$(faults_preflight) || { echo "skipped: $why"; exit 0; }
why=$(faults_cluster_up) || { echo "setup failed: $why"; exit 2; }
mkres r3 "DrbdOptions/Resource/quorum=majority" n1 n2 n3 && until_true 120 healthy r3 n1 n2 n3 || { echo "setup failed: r3 not UpToDate"; exit 2; }
wl_bg n1 r3 w.log --seconds 15 --blocks 512
sleep 2
cl cut n3
until_true 10 is n3 r3 "v.get('disk')" Outdated; outdated=$?
echo "n3 while cut: disk=$(est n3 r3 "v.get('disk')") quorum=$(est n3 r3 "v.get('quorum')") role=$(est n3 r3 "r['role']")"
cl heal n3
wait "$pid"
if [ $outdated -ne 0 ]; then echo "REPRODUCED: n3 lost quorum as a Secondary but its disk did not go Outdated"; exit 1; fi
echo "not reproduced: n3 went Outdated"
