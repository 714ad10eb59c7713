import EngineAdmin

/// One frame of `tandem monitor`, drawn from the engine's status reports (the drbdmon analogue).
/// Pure: the command polls the engine and hands the reports here, so what a person sees is
/// tested without a terminal.
///
///     backups  Primary
///       vol 0  UpToDate   nbd+unix:///backups/0?socket=/run/tandem/nbd.sock
///       beta   Connected  Secondary
///         vol 0  SyncSource  peer Inconsistent  [#########...........]  45.2%  112 MiB/s  ETA 0:08
///       gamma  Connecting
public struct MonitorScreen: Sendable {
    public var width: Int
    public var color: Bool

    public init(width: Int, color: Bool) {
        self.width = max(40, min(width, 400))
        self.color = color
    }

    public func render(_ reports: [ResourceReport], header: String) -> [String] {
        var lines = [clip(header), ""]
        if reports.isEmpty {
            lines.append("  no resources are up on this node")
        }
        for report in reports.sorted(by: { $0.name < $1.name }) {
            lines.append(contentsOf: resourceLines(report))
        }
        lines.append("")
        lines.append("q quits")
        return lines
    }

    /// The frame shown while the engine cannot be asked (not running, other --state-dir).
    public func renderUnreachable(_ message: String, header: String, retrySeconds: Double) -> [String] {
        [clip(header), "", clip("  " + red("engine not reachable: \(message)")), "  (retrying every \(retrySeconds) s)", "", "q quits"]
    }

    func resourceLines(_ r: ResourceReport) -> [String] {
        var head = bold(r.name) + "  " + paint(r.role, role: r.role)
        if let s = r.suspended { head += "  " + red("suspended:\(s)") }
        var lines = [head]
        if let error = r.error { lines.append("  " + red("error: \(error)")) }
        for v in r.volumes.sorted(by: { $0.volume < $1.volume }) {
            var line = "  vol \(v.volume)  " + paint(pad(v.disk, 12), disk: v.disk)
            if v.client { line += "  client" }
            if !v.quorum { line += "  " + red("no quorum") }
            if v.open { line += "  open" }
            if let devices = v.devicePaths, !devices.isEmpty { line += "  " + devices.joined(separator: ",") }
            if let e = v.nbdExport { line += "  " + e }
            lines.append(clip(line))
        }
        for c in r.connections.sorted(by: { $0.peerNodeId < $1.peerNodeId }) {
            var line = "  " + pad(c.peerName, 8) + " " + paint(pad(c.connection, 11), connection: c.connection)
            if c.connection == "Connected" { line += " " + paint(c.peerRole, role: c.peerRole) }
            lines.append(clip(line))
            if let m = c.message { lines.append(clip("    " + yellow(m))) }
            guard c.connection == "Connected" else { continue }
            for p in c.peerVolumes.sorted(by: { $0.volume < $1.volume }) {
                lines.append(clip(peerVolumeLine(p)))
            }
        }
        lines.append("")
        return lines
    }

    func peerVolumeLine(_ p: PeerVolumeReport) -> String {
        var line = "    vol \(p.volume)  " + paint(pad(p.replication, 12), replication: p.replication)
            + "peer " + paint(pad(p.peerDisk, 12), disk: p.peerDisk)
        if p.peerClient { line += " client" }
        if let done = p.donePercent {
            line += " " + Self.progressBar(percent: done, cells: 20) + " " + pad(EventStream.percentText(done) + "%", 6)
            if p.resyncBytesPerSecond > 0 { line += "  " + Self.rate(p.resyncBytesPerSecond) }
            if let eta = p.etaSeconds { line += "  ETA " + Self.duration(eta) }
        } else if p.outOfSyncBytes > 0 {
            line += " out of sync " + Self.bytes(p.outOfSyncBytes)
        }
        if p.verifyMismatchBlocks > 0 { line += "  " + yellow("verify: \(p.verifyMismatchBlocks) blocks differ") }
        return line
    }

    // MARK: formatting, all pure and testable

    /// `[#########...........]`: filled cells for the done fraction, never more than `cells`.
    public static func progressBar(percent: Double, cells: Int) -> String {
        let clamped = min(max(percent, 0), 100)
        let filled = Int((clamped / 100 * Double(cells)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled) + "]"
    }

    public static func duration(_ seconds: UInt64) -> String {
        let h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60
        let mm = m < 10 && h > 0 ? "0\(m)" : "\(m)", ss = s < 10 ? "0\(s)" : "\(s)"
        return h > 0 ? "\(h):\(mm):\(ss)" : "\(mm):\(ss)"
    }

    public static func bytes(_ n: UInt64) -> String {
        let units: [(String, UInt64)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, scale) in units where n >= scale {
            let tenths = (n * 10 + scale / 2) / scale
            return "\(tenths / 10).\(tenths % 10) \(name)"
        }
        return "\(n) B"
    }

    public static func rate(_ bytesPerSecond: UInt64) -> String { bytes(bytesPerSecond) + "/s" }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// Cuts a line to the terminal width, counting only visible characters (not colour codes).
    func clip(_ line: String) -> String {
        var visible = 0, out = "", inEscape = false
        for ch in line {
            if ch == "\u{1B}" { inEscape = true }
            if inEscape { out.append(ch); if ch == "m" { inEscape = false }; continue }
            if visible == width { break }
            out.append(ch); visible += 1
        }
        return out + (color && out != line ? "\u{1B}[0m" : "")
    }

    // MARK: colours (only on a terminal that wants them)

    func sgr(_ code: String, _ s: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { sgr("1", s) }
    func red(_ s: String) -> String { sgr("31", s) }
    func yellow(_ s: String) -> String { sgr("33", s) }
    func green(_ s: String) -> String { sgr("32", s) }

    func paint(_ s: String, role: String) -> String { role == "Primary" ? sgr("1;36", s) : s }

    func paint(_ s: String, disk: String) -> String {
        switch disk {
        case "UpToDate": green(s)
        case "Diskless": s
        case "Inconsistent", "Outdated", "Consistent", "DUnknown", "Attaching": yellow(s)
        default: red(s)
        }
    }

    func paint(_ s: String, connection: String) -> String {
        switch connection {
        case "Connected": green(s)
        case "Connecting", "Disconnecting": yellow(s)
        default: red(s)
        }
    }

    func paint(_ s: String, replication: String) -> String {
        switch replication {
        case "Established": green(s)
        case "Off": red(s)
        default: yellow(s)
        }
    }
}
