import ControllerCore
import TandemModel

/// Everything one resource's object in `GET /v1/view/resources` is rendered from, and nothing
/// else: `render` reads only these fields. That is what makes the view cache safe — a cached
/// object is reused only while every one of these compares equal to the current value, so any
/// change to the resource, its peers, its definition or volume definitions, its node's pools or
/// the node's reported state (including the node going offline, which makes `actual` nil)
/// renders it again. Comparing is cheap: unchanged records share their storage with the cached
/// ones, and Swift's arrays, dictionaries and strings compare identical storage without looking
/// inside.
struct ResourceViewEntry: Sendable, Equatable {
    var nodeKey: String
    /// Every resource of the definition by node key (this one and its peers).
    var placed: [String: ResourceRecord]
    var definition: ResourceDefinitionRecord
    /// The storage pools of the resource's node by pool key.
    var nodePools: [String: StoragePoolRecord]?
    /// What the node's satellite last reported for the resource; nil when the node is offline
    /// or has not reported it.
    var actual: ActualResource?

    /// Peers of the resource in node-key order (LINSTOR's), this one included.
    var peers: [(key: String, value: ResourceRecord)] { placed.sorted { $0.key < $1.key } }

    /// LINSTOR's ResourceWithVolumes object (nothing when the resource is not in `placed`).
    func render(_ w: inout JSONWriter) {
        guard let resource = placed[nodeKey] else { return }
        render(resource, peers: peers, &w)
    }

    private func render(_ r: ResourceRecord, peers: [(key: String, value: ResourceRecord)], _ w: inout JSONWriter) {
        let rd = definition
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
        for vd in rd.volumeDefinitions { volume(vd, r, &w) }
        w.endArray()
        w.endObject()
    }

    private func volume(_ vd: VolumeDefinitionRecord, _ r: ResourceRecord, _ w: inout JSONWriter) {
        let provider = nodePools?[Naming.key(r.storagePoolName)]?.provider
        let av = actual?.volumes.first { $0.volumeNumber == vd.number }
        w.beginObject()
        w.field("volume_number", vd.number)
        w.field("storage_pool_name", r.storagePoolName)
        w.field("provider_kind", provider?.rawValue ?? (r.isDiskless ? "DISKLESS" : "FILE_THIN"))
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

    private func drbdVolume(_ vd: VolumeDefinitionRecord, _ r: ResourceRecord, _ av: ActualVolume?, _ w: inout JSONWriter) {
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
