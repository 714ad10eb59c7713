import TandemModel

extension ClusterState {
    /// Everything node `name` should have: its storage pools and its resources with their peers.
    /// Nil for a node that does not exist (any more).
    public func desiredState(forNode name: String, generation: UInt64) -> NodeDesiredState? {
        desiredState(forNode: name, generation: generation) { rdKey, nodeKey in desiredResource(rdKey, onNode: nodeKey) }
    }

    /// The same, taking each resource from `resource` (a cache, see DesiredStateCache).
    func desiredState(forNode name: String, generation: UInt64, resource: (_ rdKey: String, _ nodeKey: String) -> DesiredResource?) -> NodeDesiredState? {
        let key = Naming.key(name)
        guard let n = nodes[key] else { return nil }
        let pools = (storagePools[key] ?? [:]).values.sorted { $0.name < $1.name }.map {
            DesiredStoragePool(name: $0.name, provider: $0.provider, driverPool: $0.driverPool)
        }
        let desired = (resourcesOnNode[key] ?? []).sorted().compactMap { resource($0, key) }
        return NodeDesiredState(generation: generation, nodeName: n.name, storagePools: pools, resources: desired)
    }

    /// Resource `rdKey` as node `nodeKey` should run it: its volumes, its peers, engine options.
    public func desiredResource(_ rdKey: String, onNode nodeKey: String) -> DesiredResource? {
        guard let rd = resourceDefinitions[rdKey], let placed = resources[rdKey], let mine = placed[nodeKey] else { return nil }
        let volumes = rd.volumeDefinitions.map {
            DesiredVolume(volumeNumber: $0.number, sizeKiB: $0.sizeKiB, minor: $0.minor, storagePool: mine.isDiskless ? nil : mine.storagePoolName)
        }
        let peers = placed.values.filter { $0.nodeName != mine.nodeName }.sorted { $0.nodeId < $1.nodeId }.map { p in
            DesiredPeer(nodeName: p.nodeName, nodeId: p.nodeId, address: replicationAddress(of: p.nodeName),
                        port: p.tcpPort, diskless: p.isDiskless)
        }
        return DesiredResource(name: rd.name, nodeId: mine.nodeId, port: mine.tcpPort, diskless: mine.isDiskless,
                               volumes: volumes, peers: peers, options: engineOptions(rd, mine))
    }

    /// The address peers use for replication: the interface named by PrefNic, else the active one.
    func replicationAddress(of nodeName: String) -> String {
        guard let n = node(nodeName) else { return "" }
        if let pref = n.props["PrefNic"], let nif = n.netInterfaces.first(where: { Naming.key($0.name) == Naming.key(pref) }) { return nif.address }
        return n.activeInterface?.address ?? ""
    }

    /// DrbdOptions/<Section>/<name> props, the closest object winning (controller < group <
    /// definition < resource), become engine options keyed by the DRBD option name.
    func engineOptions(_ rd: ResourceDefinitionRecord, _ r: ResourceRecord) -> [String: String] {
        var options: [String: String] = [:]
        let layers: [Props] = [controllerProps, resourceGroup(rd.resourceGroup)?.props ?? [:], rd.props, r.props]
        for props in layers {
            for (k, v) in props where k.hasPrefix("DrbdOptions/") {
                guard let name = k.split(separator: "/").last, !name.isEmpty else { continue }
                options[String(name)] = v
            }
        }
        options["shared-secret"] = rd.secret
        options["peer-slots"] = String(rd.peerSlots)
        return options
    }
}
