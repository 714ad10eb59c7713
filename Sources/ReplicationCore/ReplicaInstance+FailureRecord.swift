/// The last metadata record of a disk that failed (DRBD's on-io-error detach).
///
/// A disk that fails while a Primary keeps writing with UpToDate data elsewhere misses those
/// writes at its generation (the one that failed on it, any before the writer starts a new
/// generation). DRBD writes one more metadata record while the disk is Failed and clears
/// MDF_WAS_UP_TO_DATE in it when "a primary with access to up to date data" is known
/// (`primary_and_data_present`): attached again, the disk is not UpToDate from the record it had
/// before the failure. Seed 348 (failed_disk_reattaches_outdated.txt): the failed disk came back
/// UpToDate at the old generation, was the source for an Outdated peer holding an acknowledged
/// write it lacked, got that peer's vote and was promoted beside the writer's newer generation.
///
/// Here the record keeps the disk state and says `diskFailed`: at the same generation the disk
/// yields to any consistent peer (`GenerationComparison.equalCurrent`), so it is Outdated until
/// that peer has resynced it, and never the source a peer holding the writes it missed is
/// resynced from. Against an Inconsistent or an older peer it is still the source (not of an
/// Inconsistent peer that took a newer writer's writes and knows its generation was moved past:
/// `GenerationComparison.compare`), and alone it stays promotable: recording it Outdated, as DRBD
/// does, left whole simulated clusters with no UpToDate replica (an Outdated node serves no
/// resync here), 1…300 21 → 28 failing with a split brain and replicas differing (branch
/// `nbdpath-failed-disk-v2-wip`).
extension ReplicaInstance {
    /// Called while the disk fails, before the peers' bitmaps are dropped: the record keeps the
    /// generations, activity log and bitmap slots of that moment. A failure with no Primary, or
    /// no UpToDate data left, leaves the record as it was (DRBD touches the flag only then: no
    /// write is missed without a writer, and without UpToDate data elsewhere this disk's last
    /// state is the best there is). Outdated and Inconsistent disks already yield.
    mutating func noteFailureRecord(wasDisk: DiskState) {
        let primaryKnown = role == .primary || peers.contains { $0.isConnected && $0.role == .primary }
        let upToDateData = wasDisk == .upToDate || peers.contains { $0.isConnected && $0.disk == .upToDate }
        // Not for a Primary's own disk: it writes on through its peers, which start a new
        // generation with this node absent (`diskFailed()`), so its record is behind by generation
        // already. Recording it too measured 501…800 37 with split brains 777 and 781 (session 13).
        if role == .primary { return }
        guard primaryKnown, upToDateData, wasDisk == .upToDate || wasDisk == .consistent else { return }
        var header = metadataHeader()
        header.disk = wasDisk
        header.flags.insert(.diskFailed)
        // Written without the bitmap words: its list could name extents whose bits on disk are
        // older than memory's. None is safe (a bit counts as a missed write's), and a disk back
        // from this record yields at its generation anyway.
        if !mut("F12") {
        header.crashMarkedExtents = []
        header.crashMarkDigest = 0
        }
        failureRecord = (header, markMetadataDirty())
        failureRecordWritten = false
    }

    /// Detached: the failure record is the only metadata still written, once. Its bitmap words
    /// are not rewritten (the slots keep what was durable before the failure).
    mutating func writeFailureRecordIfNeeded() {
        guard let (header, version) = failureRecord, !failureRecordWritten else { return }
        failureRecordWritten = true
        // The version of the failure, not a later one: whatever was marked dirty while detached
        // is not in this record, so its completion must not count it durable.
        let id = newStorageID()
        metadataInFlight = (id, version)
        storageInFlight[id] = InFlightStorage(purpose: .metadata(version: version))
        output.storage.append(.writeMetadata(id: id, MetadataUpdate(header: header, bitmapWords: [])))
    }

    /// A disk attached again in this process after a failure (`adminAttach`): the metadata read
    /// may predate the failure record, still on its way to the disk. It carries the flag anyway.
    mutating func capByFailureRecord() {
        guard let record = failureRecord?.header else { return }
        failureRecord = nil
        if record.generations.current == generations.current && (disk == .upToDate || disk == .consistent) {
            flags.insert(.diskFailed)
        }
    }

    /// The flag has done its work once a resync into this node started (Inconsistent), or it
    /// moved to another generation (it took a peer's, or started one as the writer: its data
    /// there is the generation's own). Outdated (it yielded) it keeps the flag, which lets it
    /// return once every replica is connected (`returnFromQuorumOutdate`).
    mutating func settleDiskFailedFlag() {
        guard flags.contains(.diskFailed), disk.hasDisk else { return }
        // Not when a resync into it starts (Inconsistent): interrupted, the flag must still make
        // it yield in a split brain (seed 781); the end of the resync clears it (`adoptGenerations`).
        guard generations.current != diskFailedGeneration else { return }
        flags.remove(.diskFailed)
        diskFailedGeneration = nil
        markMetadataDirty()
    }
}
