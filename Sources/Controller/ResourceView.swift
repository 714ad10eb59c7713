import ControllerCore
import TandemModel

/// `GET /v1/view/resources`: every resource with its volumes, desired and actual state
/// together, in LINSTOR's ResourceWithVolumes shape. Served from memory: the satellites' last
/// reports are already here, so no request ever waits on a satellite.
struct ResourceView {
    var nodeFilter: Set<String>?
    var resourceFilter: Set<String>?
    var poolFilter: Set<String>?
    var propFilters: [(key: String, value: String?)] = []

    /// Above this many resource definitions the answer is streamed (see `stream`).
    static let streamAboveDefinitions = 500
    static let chunkBytes = 256 << 10

    /// Peers of one resource definition, sorted by node key (the order LINSTOR lists them in).
    typealias Placed = [(key: String, value: ResourceRecord)]

    /// The whole answer at once (small views, tests).
    func render(_ state: ClusterState, _ runtimes: [String: NodeRuntime]) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 1 << 16)
        w.beginArray()
        let reports = Self.reports(runtimes)
        for rdKey in definitionKeys(state) { renderDefinition(rdKey, state, reports, &w) }
        w.endArray()
        return w.bytes
    }

    /// The answer in pieces of about `chunkBytes`, each handed to `emit` as soon as it is
    /// written: 30,000 resources are ~45 MiB of JSON, which then never sits in memory whole and
    /// reaches the client while the rest is still being rendered.
    func stream(_ state: ClusterState, _ runtimes: [String: NodeRuntime], chunkBytes: Int,
                _ emit: ([UInt8]) async throws -> Void) async throws {
        var w = JSONWriter(reservingCapacity: chunkBytes + chunkBytes / 4)
        w.beginArray()
        let reports = Self.reports(runtimes)
        for rdKey in definitionKeys(state) {
            renderDefinition(rdKey, state, reports, &w)
            if w.count >= chunkBytes { try await emit(w.takeBytes()) }
        }
        w.endArray()
        try await emit(w.takeBytes())
    }

    /// The definitions to list, in name-key order.
    func definitionKeys(_ state: ClusterState) -> [String] {
        if let resourceFilter { return resourceFilter.filter { state.resources[$0] != nil }.sorted() }
        return state.resources.keys.sorted()
    }

    /// What each online node last reported, per resource (an offline node's state is unknown).
    static func reports(_ runtimes: [String: NodeRuntime]) -> [String: [String: ActualResource]] {
        var out: [String: [String: ActualResource]] = [:]
        for (key, rt) in runtimes where rt.isOnline { out[key] = rt.actualResources }
        return out
    }

    func renderDefinition(_ rdKey: String, _ state: ClusterState, _ reports: [String: [String: ActualResource]], _ w: inout JSONWriter) {
        guard let rd = state.resourceDefinitions[rdKey], let placed = state.resources[rdKey] else { return }
        let peers = placed.sorted { $0.key < $1.key }
        for (nodeKey, r) in peers {
            if let nodeFilter, !nodeFilter.contains(nodeKey) { continue }
            if let poolFilter, !poolFilter.contains(Naming.key(r.storagePoolName)) { continue }
            if !propFilters.allSatisfy({ f in f.value.map { r.props[f.key] == $0 } ?? (r.props[f.key] != nil) }) { continue }
            Self.resource(r, rd, peers, state, reports[nodeKey]?[rdKey], nodeKey: nodeKey, &w)
        }
    }

    static func resource(_ r: ResourceRecord, _ rd: ResourceDefinitionRecord, _ peers: Placed,
                         _ state: ClusterState, _ actual: ActualResource?, nodeKey: String, _ w: inout JSONWriter) {
        let pool = state.storagePools[nodeKey]?[Naming.key(r.storagePoolName)]
        w.beginObject()
        w.field("name", rd.name)
        w.field("node_name", r.nodeName)
        w.field("props", map: r.props)
        w.field("flags", strings: r.flags)
        w.key("layer_object"); w.beginObject()
        w.field("type", "DRBD")
        w.key("children"); w.beginArray()
        w.beginObject()
        w.field("type", "STORAGE")
        w.key("storage"); w.beginObject()
        w.key("storage_volumes"); w.beginArray()
        for vd in rd.volumeDefinitions {
            let av = actual?.volumes.first { $0.volumeNumber == vd.number }
            w.beginObject()
            w.field("volume_number", vd.number)
            if let d = av?.devicePath { w.field("device_path", d) }
            w.field("allocated_size_kib", r.isDiskless ? 0 : (av?.allocatedKiB ?? 0))
            w.field("usable_size_kib", r.isDiskless ? 0 : vd.sizeKiB)
            w.field("disk_state", av.map { "[\($0.diskState)]" } ?? "[]")
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endObject()
        w.endArray()
        w.key("drbd"); w.beginObject()
        w.key("drbd_resource_definition"); w.beginObject()
        w.field("peer_slots", rd.peerSlots)
        w.field("al_stripes", 1)
        w.field("al_stripe_size_kib", 32)
        w.field("port", r.tcpPort)
        w.field("transport_type", "IP")
        w.field("secret", rd.secret)
        w.field("down", false)
        w.endObject()
        w.field("node_id", r.nodeId)
        w.field("peer_slots", rd.peerSlots)
        w.field("al_stripes", 1)
        w.field("al_size", 32)
        w.key("tcp_ports"); w.beginArray(); w.int(r.tcpPort); w.endArray()
        w.field("flags", strings: r.isDiskless ? ["DISKLESS"] : [])
        w.key("drbd_volumes"); w.beginArray()
        for vd in rd.volumeDefinitions {
            drbdVolume(vd, r, actual?.volumes.first { $0.volumeNumber == vd.number }, &w)
        }
        w.endArray()
        w.key("connections"); w.beginObject()
        for (peerKey, peer) in peers where peerKey != nodeKey {
            // Satellites report peers under the name the controller gave them; the key
            // comparison only catches a differently spelled report.
            let c = actual?.connections.first { $0.peerNodeName == peer.nodeName }
                ?? actual?.connections.first { Naming.key($0.peerNodeName) == peerKey }
            w.key(peer.nodeName); w.beginObject()
            w.field("connected", c?.connectionState == "Connected")
            w.field("message", c?.connectionState ?? "Unknown")
            w.endObject()
        }
        w.endObject()
        w.field("promotion_score", 0)
        w.field("may_promote", actual.map { !$0.inUse && $0.role != "Primary" } ?? false)
        w.endObject()
        w.endObject()
        w.key("state"); w.beginObject()
        w.key("in_use"); if let actual { w.bool(actual.inUse) } else { w.null() }
        w.endObject()
        w.field("uuid", r.uuid)
        w.field("create_timestamp", r.createdMillis)
        w.key("volumes"); w.beginArray()
        for vd in rd.volumeDefinitions {
            let av = actual?.volumes.first { $0.volumeNumber == vd.number }
            w.beginObject()
            w.field("volume_number", vd.number)
            w.field("storage_pool_name", r.storagePoolName)
            w.field("provider_kind", pool?.provider.rawValue ?? (r.isDiskless ? "DISKLESS" : "FILE_THIN"))
            if let d = av?.devicePath ?? av?.nbdExport { w.field("device_path", d) }
            w.field("allocated_size_kib", r.isDiskless ? 0 : (av?.allocatedKiB ?? 0))
            w.field("props", map: r.volumeProps[vd.number] ?? [:])
            w.field("flags", strings: [])
            w.key("state"); w.beginObject()
            // LINSTOR's form: "SyncTarget(45.20%)" while this replica is resynced, else the disk state.
            if let av { w.field("disk_state", av.displayDiskState) }
            w.key("replication_states"); w.beginObject()
            if let peers = av?.peers {
                for p in peers {
                    w.key(p.peerNodeName); w.beginObject()
                    w.field("replication_state", p.replicationState)
                    if let done = p.donePercent { w.key("done_percentage"); w.double(done) }
                    w.endObject()
                }
            } else {
                // A satellite without per-volume peer states: the per-connection summary.
                for c in actual?.connections ?? [] {
                    w.key(c.peerNodeName); w.beginObject()
                    w.field("replication_state", c.replicationState)
                    if let p = c.syncPercent { w.key("done_percentage"); w.double(p) }
                    w.endObject()
                }
            }
            w.endObject()
            w.endObject()
            w.key("layer_data_list"); w.beginArray()
            w.beginObject(); w.field("type", "DRBD"); w.key("data"); drbdVolume(vd, r, av, &w); w.endObject()
            w.beginObject(); w.field("type", "STORAGE"); w.key("data"); w.beginObject()
            w.field("volume_number", vd.number)
            w.field("allocated_size_kib", r.isDiskless ? 0 : (av?.allocatedKiB ?? 0))
            w.field("usable_size_kib", r.isDiskless ? 0 : vd.sizeKiB)
            w.endObject(); w.endObject()
            w.endArray()
            w.field("uuid", vd.uuid)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func drbdVolume(_ vd: VolumeDefinitionRecord, _ r: ResourceRecord, _ av: ActualVolume?, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("drbd_volume_definition"); w.beginObject()
        w.field("volume_number", vd.number)
        w.field("minor_number", vd.minor)
        w.endObject()
        // The DRBD device's counterpart is the NBD export; volumes[].device_path is the local device.
        if let d = av?.nbdExport ?? av?.devicePath { w.field("device_path", d) }
        w.field("allocated_size_kib", r.isDiskless ? 0 : (av?.allocatedKiB ?? 0))
        // What the engine really serves (lags the definition while a grow is being applied).
        w.field("usable_size_kib", av?.sizeKiB ?? vd.sizeKiB)
        w.endObject()
    }
}
