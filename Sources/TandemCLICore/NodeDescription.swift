/// `node describe`: each node as a tree of what it holds — storage pools, then resources with
/// their volumes — as the linstor client's tree view shows it:
///
///     drbd-arm (COMBINED, 127.0.0.1:3366 (PLAIN), Online)
///     ├── storage pools
///     │   ├── DfltDisklessStorPool (DISKLESS)
///     │   └── swpool (FILE_THIN, /var/lib/tandem/swpool, 95 GiB free of 100 GiB)
///     └── resources
///         └── backups (UpToDate)
///             └── volume 0 (minor 1000, /dev/drbd1000, swpool, UpToDate)
public enum NodeDescription {
    struct Tree {
        var label: String
        var children: [Tree] = []

        func render(prefix: String = "", isLast: Bool = true, isRoot: Bool = true) -> String {
            var out = isRoot ? label + "\n" : prefix + (isLast ? "└── " : "├── ") + label + "\n"
            let childPrefix = isRoot ? "" : prefix + (isLast ? "    " : "│   ")
            for (i, child) in children.enumerated() {
                out += child.render(prefix: childPrefix, isLast: i == children.count - 1, isRoot: false)
            }
            return out
        }
    }

    public static func render(nodes: [RestNode], pools: [RestStoragePool], resources: [RestResource]) -> String {
        var out = ""
        for node in nodes.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            var info = [(node.type ?? "").uppercased()]
            let address = NodeTables.address(node)
            if !address.isEmpty { info.append(address) }
            info.append(NodeTables.nodeState(node))
            var tree = Tree(label: "\(node.name) (\(info.joined(separator: ", ")))")
            let nodePools = pools.filter { $0.nodeName == node.name }.sorted { $0.storagePoolName.lowercased() < $1.storagePoolName.lowercased() }
            if !nodePools.isEmpty {
                tree.children.append(Tree(label: "storage pools", children: nodePools.map { Tree(label: poolLabel($0)) }))
            }
            let nodeResources = ResourceTables.ordered(resources.filter { $0.nodeName == node.name })
            if !nodeResources.isEmpty {
                tree.children.append(Tree(label: "resources", children: nodeResources.map { r in
                    Tree(label: "\(r.name) (\(ResourceTables.resourceState(r)))",
                         children: (r.volumes ?? []).sorted { ($0.volumeNumber ?? 0) < ($1.volumeNumber ?? 0) }.map { v in
                             Tree(label: volumeLabel(v, of: r))
                         })
                }))
            }
            out += tree.render()
        }
        return out
    }

    static func poolLabel(_ p: RestStoragePool) -> String {
        var info = [p.providerKind ?? "?"]
        if let dir = p.props?["StorDriver/StorPoolName"], !dir.isEmpty { info.append(dir) }
        if p.providerKind?.uppercased() != "DISKLESS", let free = p.freeCapacity, let total = p.totalCapacity {
            info.append("\(Display.kib(free)) free of \(Display.kib(total))")
        }
        let state = NodeTables.poolState(p)
        if state != "Ok" { info.append(state) }
        return "\(p.storagePoolName) (\(info.joined(separator: ", ")))"
    }

    static func volumeLabel(_ v: RestVolume, of r: RestResource) -> String {
        var info: [String] = []
        if let minor = v.minorNumber { info.append("minor \(minor)") }
        if let device = v.devicePath { info.append(device) }
        if let pool = v.storagePoolName { info.append(pool) }
        info.append(ResourceTables.volumeState(v, of: r))
        return "volume \(v.volumeNumber.map(String.init) ?? "?") (\(info.joined(separator: ", ")))"
    }
}
