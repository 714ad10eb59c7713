/// The counters `--statistics` adds, in DRBD's names and units (KiB, MiB/s for `dbdt1`, seconds
/// for `eta`), shared by `tandem adm status -s` and `tandem adm events --statistics` so both
/// print the same thing. Tandem adds `rs-sent`/`rs-received` (resync payload) and
/// `verify-mismatch` (blocks the last online verify found different).
public enum StatisticsFields {
    /// DRBD's device statistics that Tandem counts: size, read, written.
    public static func device(_ v: VolumeReport) -> [EventField] {
        [EventField("size", "\(v.sizeBytes / 1024)"), EventField("read", "\(v.readBytes / 1024)"),
         EventField("written", "\(v.writtenBytes / 1024)")]
    }

    /// Traffic and resync progress of one peer volume. The rate appears while a resync moves
    /// data and the ETA while one is known, as drbdsetup prints them.
    public static func peerDevice(_ p: PeerVolumeReport) -> [EventField] {
        var fields = [EventField("received", "\(p.receivedBytes / 1024)"), EventField("sent", "\(p.sentBytes / 1024)"),
                      EventField("out-of-sync", "\(p.outOfSyncBytes / 1024)"),
                      EventField("rs-sent", "\(p.resyncSentBytes / 1024)"), EventField("rs-received", "\(p.resyncReceivedBytes / 1024)")]
        if p.resyncBytesPerSecond > 0 { fields.append(EventField("dbdt1", "\(p.resyncBytesPerSecond >> 20)")) }
        if let eta = p.etaSeconds { fields.append(EventField("eta", "\(eta)")) }
        if p.verifyMismatchBlocks > 0 { fields.append(EventField("verify-mismatch", "\(p.verifyMismatchBlocks)")) }
        return fields
    }

    /// " key:value" for each field, to append to a status line.
    static func text(_ fields: [EventField]) -> String {
        fields.map { " \($0.key):\($0.value)" }.joined()
    }
}
