/// One line of the event stream, as `drbdsetup events2` prints it:
/// `change peer-device name:backups peer-node-id:1 conn-name:beta volume:0 replication:SyncSource …`.
public struct EngineEvent: Codable, Sendable, Equatable {
    /// "exists" (initial dump, ends with `exists -`), "create", "change", "destroy".
    public var kind: String
    /// "resource", "device", "connection", "peer-device", or "-" for the end of the dump.
    public var object: String
    /// Ordered key/value pairs; values never contain spaces.
    public var fields: [EventField]

    public init(kind: String, object: String, fields: [EventField]) {
        self.kind = kind; self.object = object; self.fields = fields
    }

    public static let endOfDump = EngineEvent(kind: "exists", object: "-", fields: [])

    public var line: String {
        ([kind, object] + fields.map { "\($0.key):\($0.value)" }).joined(separator: " ")
    }

    public func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }
}

public struct EventField: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

/// Turns status snapshots into events: the full dump for `events --now`/stream start, and the
/// differences between two snapshots for the stream. Pure, so the engine and tests share it.
public enum EventStream {
    /// One object of the stream: its kind, identity, state fields, and the counters that
    /// `--statistics` adds (`drbdsetup events2 --statistics`).
    struct Object {
        let object: String
        let identity: String
        let fields: [EventField]
        let counters: [EventField]
        var key: String { identity + "#" + object }
        func fields(statistics: Bool) -> [EventField] { statistics ? fields + counters : fields }
    }

    /// The objects of one resource in events2 order with their identity and fields.
    static func objects(_ r: ResourceReport) -> [Object] {
        var out: [Object] = []
        let name = EventField("name", r.name)
        out.append(Object(object: "resource", identity: r.name, fields: [
            name, EventField("role", r.role), EventField("suspended", r.suspended ?? "no"),
            EventField("may_promote", yesNo(r.mayPromote)), EventField("promotion_score", r.mayPromote ? "1" : "0"),
        ], counters: []))
        for v in r.volumes {
            var fields = [name, EventField("volume", "\(v.volume)"), EventField("minor", "\(v.minor)"),
                          EventField("backing_dev", v.backingPath.map(noSpaces) ?? "none"),
                          EventField("disk", v.disk), EventField("client", yesNo(v.client)),
                          EventField("quorum", yesNo(v.quorum)), EventField("open", yesNo(v.open))]
            // Only when known, so that lines without one read as before.
            if let r = v.diskReason { fields.append(EventField("disk-reason", noSpaces(r))) }
            if let e = v.nbdExport { fields.append(EventField("nbd", noSpaces(e))) }
            // A device registered by `tandem adm attach`: its arrival and departure are changes.
            if let d = v.devicePaths, !d.isEmpty { fields.append(EventField("local-device", noSpaces(d.joined(separator: ",")))) }
            out.append(Object(object: "device", identity: "\(r.name)/\(v.volume)", fields: fields,
                              counters: StatisticsFields.device(v)))
        }
        for c in r.connections {
            let peer = [name, EventField("peer-node-id", "\(c.peerNodeId)"), EventField("conn-name", c.peerName)]
            var fields = peer + [EventField("connection", c.connection), EventField("role", c.peerRole)]
            if let m = c.message { fields.append(EventField("message", noSpaces(m))) }
            out.append(Object(object: "connection", identity: "\(r.name)/\(c.peerNodeId)", fields: fields, counters: []))
            for p in c.peerVolumes {
                var pf = peer + [EventField("volume", "\(p.volume)"), EventField("replication", p.replication),
                                 EventField("peer-disk", p.peerDisk), EventField("peer-client", yesNo(p.peerClient)),
                                 EventField("resync-suspended", "no")]
                if let done = p.donePercent { pf.append(EventField("done", percentText(done))) }
                out.append(Object(object: "peer-device", identity: "\(r.name)/\(c.peerNodeId)/\(p.volume)", fields: pf,
                                  counters: StatisticsFields.peerDevice(p)))
            }
        }
        return out
    }

    /// `exists …` for every object, then `exists -`; with `statistics`, each line also carries
    /// its counters.
    public static func dump(_ reports: [ResourceReport], statistics: Bool = false) -> [EngineEvent] {
        reports.flatMap { objects($0).map { EngineEvent(kind: "exists", object: $0.object, fields: $0.fields(statistics: statistics)) } }
            + [.endOfDump]
    }

    /// Events that turn `old` into `new`: destroys (children first), creates (parents first)
    /// and changes, in a stable order. Only state fields make a change (a resync's `done`
    /// among them); with `statistics` the lines also carry the counters, as
    /// `drbdsetup events2 --statistics` does: traffic alone does not make a line, and a
    /// running resync shows its rate and ETA with each step of its progress.
    public static func diff(old: [ResourceReport], new: [ResourceReport], statistics: Bool = false) -> [EngineEvent] {
        let before = old.flatMap(objects), after = new.flatMap(objects)
        let beforeByKey = Dictionary(before.map { ($0.key, $0.fields) }, uniquingKeysWith: { a, _ in a })
        let afterKeys = Set(after.map(\.key))
        var events: [EngineEvent] = []
        for o in before.reversed() where !afterKeys.contains(o.key) {
            events.append(EngineEvent(kind: "destroy", object: o.object, fields: Array(o.fields.prefix(identityFieldCount(o.object)))))
        }
        for o in after {
            switch beforeByKey[o.key] {
            case nil: events.append(EngineEvent(kind: "create", object: o.object, fields: o.fields(statistics: statistics)))
            case let previous? where previous != o.fields:
                events.append(EngineEvent(kind: "change", object: o.object, fields: o.fields(statistics: statistics)))
            default: break
            }
        }
        return events
    }

    /// How many leading fields identify the object (what a `destroy` line carries).
    static func identityFieldCount(_ object: String) -> Int {
        switch object {
        case "resource": 1
        case "device": 2
        case "connection": 3
        default: 4
        }
    }

    static func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }

    /// "37.50": two decimals without float formatting surprises.
    public static func percentText(_ value: Double) -> String {
        let hundredths = Int((max(0, min(100, value)) * 100).rounded(.down))
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func noSpaces(_ s: String) -> String {
        String(s.map { $0 == " " || $0 == "\n" || $0 == "\t" ? "_" : $0 })
    }
}
