/// `node list` and `storage-pool list` tables (linstor client 1.27 columns).
public enum NodeTables {
    /// The linstor client's names for `connection_status` values.
    static let connectionStates: [String: String] = [
        "OFFLINE": "OFFLINE", "CONNECTED": "Connected", "ONLINE": "Online",
        "VERSION_MISMATCH": "OFFLINE(VERSION MISMATCH)", "FULL_SYNC_FAILED": "OFFLINE(FULL SYNC FAILED)",
        "AUTHENTICATION_ERROR": "OFFLINE(AUTHENTICATION ERROR)", "UNKNOWN": "Unknown",
        "HOSTNAME_MISMATCH": "OFFLINE(HOSTNAME MISMATCH)", "OTHER_CONTROLLER": "OFFLINE(OTHER CONTROLLER)",
        "NO_STLT_CONN": "OFFLINE(NO CONNECTION TO SATELLITE)", "MISSING_EXT_TOOLS": "OFFLINE(MISSING EXT TOOLS)",
    ]

    /// Node state as shown: flags that change the node's life (evicted, being deleted or
    /// evacuated) win over the connection status; a missing status counts as OFFLINE.
    public static func nodeState(_ node: RestNode) -> String {
        let flags = node.flags ?? []
        for flag in ["EVICTED", "DELETE", "EVACUATE"] where flags.contains(flag) { return flag }
        let status = node.connectionStatus ?? "OFFLINE"
        return connectionStates[status] ?? status
    }

    /// The active net interface as `address:port (PLAIN)`; the first one if none is marked active.
    public static func address(_ node: RestNode) -> String {
        let interfaces = node.netInterfaces ?? []
        guard let nic = interfaces.first(where: { $0.isActive == true }) ?? interfaces.first else { return "" }
        var text = nic.address ?? ""
        if let port = nic.satellitePort { text += ":\(port)" }
        if let enc = nic.satelliteEncryptionType { text += " (\(enc.uppercased()))" }
        return text
    }

    public static func nodeList(_ nodes: [RestNode]) -> BoxTable {
        var table = BoxTable(columns: [.init("Node"), .init("NodeType"), .init("Addresses"), .init("State")])
        for node in nodes.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            let state = nodeState(node)
            table.addRow([.init(node.name), .init((node.type ?? "").uppercased()), .init(address(node)),
                          .init(state, color: Display.stateColor(state))])
        }
        return table
    }

    /// Ok / Warning / Error from the pool's reports, as the linstor client derives it.
    public static func poolState(_ pool: RestStoragePool) -> String {
        let categories = (pool.reports ?? []).map(\.category)
        if categories.contains(.error) { return "Error" }
        if categories.contains(.warning) { return "Warning" }
        return "Ok"
    }

    public static func storagePoolList(_ pools: [RestStoragePool]) -> BoxTable {
        var table = BoxTable(columns: [
            .init("StoragePool"), .init("Node"), .init("Driver"), .init("PoolName"),
            .init("FreeCapacity", alignment: .right), .init("TotalCapacity", alignment: .right),
            .init("CanSnapshots"), .init("State"), .init("SharedName"),
        ])
        let sorted = pools.sorted {
            ($0.storagePoolName.lowercased(), ($0.nodeName ?? "").lowercased()) < ($1.storagePoolName.lowercased(), ($1.nodeName ?? "").lowercased())
        }
        for pool in sorted {
            let diskless = pool.providerKind?.uppercased() == "DISKLESS"
            func capacity(_ kib: Int64?) -> String {
                guard !diskless, let kib, kib != Display.unlimitedKiB else { return "" }
                return Display.kib(kib)
            }
            let state = poolState(pool)
            let shared = pool.freeSpaceMgrName.map { $0.contains(":") ? "" : $0 } ?? ""
            table.addRow([
                .init(pool.storagePoolName), .init(pool.nodeName ?? ""), .init(pool.providerKind ?? ""),
                .init(pool.props?["StorDriver/StorPoolName"] ?? ""),
                .init(capacity(pool.freeCapacity)), .init(capacity(pool.totalCapacity)),
                .init(pool.supportsSnapshots.map { $0 ? "True" : "False" } ?? ""),
                .init(state, color: Display.stateColor(state)), .init(shared),
            ])
        }
        return table
    }
}
