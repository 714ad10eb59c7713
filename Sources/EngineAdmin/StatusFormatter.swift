/// Prints resources the way `drbdadm status` does (drbd-utils `drbdsetup.c`):
///
///     backups role:Primary
///       disk:UpToDate
///       beta role:Secondary
///         peer-disk:UpToDate
///       gamma connection:Connecting
///
/// `volume:N` appears only for multi-volume resources, `replication:` only beyond Established,
/// `quorum:no` only when lost, `reason:` (with a `message:` line under the volume) only when the
/// engine knows why the disk is held back (a failure record). `verbose` adds node ids and the NBD
/// export; `statistics` adds traffic counters in KiB (DRBD's unit), including Tandem's
/// `rs-sent`/`rs-received` (resync payload only).
public enum StatusFormatter {
    public static func format(_ reports: [ResourceReport], verbose: Bool = false, statistics: Bool = false) -> String {
        reports.map { format($0, verbose: verbose, statistics: statistics) }.joined(separator: "\n")
    }

    public static func format(_ r: ResourceReport, verbose: Bool, statistics: Bool) -> String {
        var lines: [String] = []
        var head = r.name
        // A resource that is down because its file could not be read has no node id or
        // suspension state to report (the engine sends -1 and no `suspended`): printing
        // "node-id:-1" or "suspended:no" would state something nobody knows.
        let known = r.error == nil || r.nodeId >= 0
        if verbose && known { head += " node-id:\(r.nodeId)" }
        head += " role:\(r.role)"
        if let s = r.suspended { head += " suspended:\(s)" } else if verbose && known { head += " suspended:no" }
        lines.append(head)
        // The engine's errors name the resource for its log ("r0: split brain …"); under the
        // resource's own line that prefix only repeats it.
        if let error = r.error { lines.append("  error: \(error.hasPrefix(r.name + ": ") ? String(error.dropFirst(r.name.count + 2)) : error)") }
        let multi = r.volumes.count > 1
        for v in r.volumes {
            var line = "  "
            if multi || verbose { line += "volume:\(v.volume) " }
            if verbose { line += "minor:\(v.minor) " }
            line += "disk:\(v.disk)"
            if let reason = v.diskReason { line += " reason:\(reason)" }
            if v.client { line += " client:yes" }
            if !v.quorum || verbose { line += " quorum:\(v.quorum ? "yes" : "no")" }
            if verbose { line += " open:\(v.open ? "yes" : "no")" }
            if statistics { line += StatisticsFields.text(StatisticsFields.device(v)) }
            if verbose, let e = v.nbdExport { line += " nbd:\(e)" }
            if verbose, let devices = v.devicePaths, !devices.isEmpty { line += " device:" + devices.joined(separator: ",") }
            lines.append(line)
            if let m = v.diskReasonMessage { lines.append("    message: \(m)") }
        }
        for c in r.connections {
            var line = "  \(c.peerName)"
            if verbose { line += " node-id:\(c.peerNodeId)" }
            if c.connection == "Connected" {
                line += " role:\(c.peerRole)"
                lines.append(line)
                for p in c.peerVolumes { lines.append(peerVolumeLine(p, multi: multi, verbose: verbose, statistics: statistics)) }
            } else {
                line += " connection:\(c.connection)"
                lines.append(line)
            }
            if let m = c.message { lines.append("    message: \(m)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func peerVolumeLine(_ p: PeerVolumeReport, multi: Bool, verbose: Bool, statistics: Bool) -> String {
        var line = "    "
        if multi || verbose { line += "volume:\(p.volume) " }
        if p.replication != "Established" || verbose { line += "replication:\(p.replication) " }
        line += "peer-disk:\(p.peerDisk)"
        if p.peerClient { line += " peer-client:yes" }
        if let done = p.donePercent { line += " done:\(EventStream.percentText(done))" }
        if verbose { line += " resync-suspended:no" }
        if statistics { line += StatisticsFields.text(StatisticsFields.peerDevice(p)) }
        return line
    }
}
