import Foundation

/// `resource list` and `resource list-volumes` / `volume list` tables, both built from
/// `GET /v1/view/resources`.
public enum ResourceTables {
    /// By resource, then node, case-insensitively (the sort keys are computed once per row).
    static func ordered(_ resources: [RestResource]) -> [RestResource] {
        resources.map { (key: ($0.name.lowercased(), $0.nodeName.lowercased()), resource: $0) }
            .sorted { $0.key < $1.key }
            .map(\.resource)
    }

    public static func usage(_ r: RestResource) -> String {
        switch r.state?.inUse {
        case true?: return "InUse"
        case false?: return "Unused"
        case nil: return ""
        }
    }

    /// "Ok" when every DRBD connection is up, else `<state>(<peer>)` for each that is not.
    public static func connections(_ r: RestResource) -> String {
        let conns = r.layerObject?.drbdLayer?.connections ?? [:]
        let broken = conns.filter { $0.value.connected != true }.sorted { $0.key < $1.key }
        guard !broken.isEmpty else { return "Ok" }
        return broken.map { "\($0.value.message ?? "Unknown")(\($0.key))" }.joined(separator: ",")
    }

    /// One volume's state: the DRBD disk state, "Created" below a stack without DRBD.
    public static func volumeState(_ v: RestVolume, of r: RestResource) -> String {
        if r.hasFlag("DELETE") { return "DELETING" }
        if r.hasFlag("INACTIVE") { return "INACTIVE" }
        guard v.isDrbd || v.state?.diskState != nil else { return "Created" }
        let disk = v.state?.diskState ?? "Unknown"
        if disk == "Diskless" && r.hasFlag("TIE_BREAKER") { return "TieBreaker" }
        return disk.isEmpty ? "Unknown" : disk
    }

    /// The resource's state: the distinct volume states in volume order.
    public static func resourceState(_ r: RestResource) -> String {
        if r.hasFlag("DELETE") { return "DELETING" }
        if r.hasFlag("INACTIVE") { return "INACTIVE" }
        let volumes = (r.volumes ?? []).sorted { ($0.volumeNumber ?? 0) < ($1.volumeNumber ?? 0) }
        var states: [String] = []
        for v in volumes {
            let s = volumeState(v, of: r)
            if !states.contains(s) { states.append(s) }
        }
        return states.isEmpty ? "Unknown" : states.joined(separator: ",")
    }

    public static func resourceList(_ resources: [RestResource], timeZone: TimeZone) -> BoxTable {
        var table = BoxTable(columns: [
            .init("ResourceName"), .init("Node"), .init("Layers"), .init("Usage"), .init("Conns"),
            .init("State", alignment: .right), .init("CreatedOn"),
        ])
        var timestamps = Display.TimestampFormatter(timeZone: timeZone)
        for r in ordered(resources) {
            let usage = usage(r), conns = connections(r), state = resourceState(r)
            table.addRow([
                .init(r.name), .init(r.nodeName), .init((r.layerObject?.stack ?? []).joined(separator: ",")),
                .init(usage, color: usage == "InUse" ? .green : nil), .init(conns, color: conns == "Ok" ? .green : .red),
                .init(state, color: Display.stateColor(state)),
                .init(r.createTimestamp.map { timestamps.text(milliseconds: $0) } ?? ""),
            ])
        }
        return table
    }

    /// Replication toward the peers: "Established(2)" when all are established, otherwise
    /// each peer with its state and sync progress, e.g. "bravo: SyncTarget(45.20%)".
    public static func replication(_ v: RestVolume) -> String {
        let states = (v.state?.replicationStates ?? [:]).sorted { $0.key < $1.key }
        guard !states.isEmpty else { return "" }
        if states.allSatisfy({ $0.value.replicationState == "Established" }) { return "Established(\(states.count))" }
        return states.map { peer, s in
            var text = "\(peer): \(s.replicationState ?? "Unknown")"
            if let pct = s.donePercentage { text += "(" + percent(pct) + ")" }
            return text
        }.joined(separator: ", ")
    }

    static func percent(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)%"
    }

    /// The volume's device: LINSTOR's one device path, or with Tandem the attached local device
    /// followed by the NBD export it is made from ("/dev/loop3 nbd+unix:///backups/0?socket=…",
    /// from the DRBD layer data); only the export while no device is attached.
    public static func deviceName(_ v: RestVolume) -> String {
        let layerDevice = v.layerDataList?.first { $0.type?.uppercased() == "DRBD" }?.data?.devicePath
        var names: [String] = []
        for name in [v.devicePath, layerDevice].compactMap({ $0 }) where !name.isEmpty && !names.contains(name) { names.append(name) }
        return names.joined(separator: " ")
    }

    public static func volumeList(_ resources: [RestResource]) -> BoxTable {
        var table = BoxTable(columns: [
            .init("Resource"), .init("Node"), .init("StoragePool"), .init("VolNr"), .init("MinorNr"),
            .init("DeviceName"), .init("Allocated", alignment: .right), .init("InUse"), .init("State", alignment: .right), .init("Repl"),
        ])
        for r in ordered(resources) {
            let usage = usage(r)
            for v in (r.volumes ?? []).sorted(by: { ($0.volumeNumber ?? 0) < ($1.volumeNumber ?? 0) }) {
                let state = volumeState(v, of: r)
                let repl = replication(v)
                table.addRow([
                    .init(r.name), .init(r.nodeName), .init(v.storagePoolName ?? ""),
                    .init(v.volumeNumber.map(String.init) ?? ""), .init(v.minorNumber.map(String.init) ?? ""),
                    .init(deviceName(v)), .init(v.allocatedSizeKib.map(Display.kib) ?? ""),
                    .init(usage, color: usage == "InUse" ? .green : nil), .init(state, color: Display.stateColor(state)),
                    .init(repl, color: repl.hasPrefix("Established") ? .green : (repl.isEmpty ? nil : .yellow)),
                ])
            }
        }
        return table
    }
}
