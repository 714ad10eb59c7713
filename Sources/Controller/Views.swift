import ControllerCore
import TandemModel

/// Renders objects in the JSON shapes of LINSTOR's REST API v1 (the fields python-linstor and
/// the linstor CLI read; see docs/openapi.yaml). Lists are sorted by name for stable output.
enum Views {
    static func apiCallRcs(_ rcs: [ApiCallRc], nowISO: String) -> [UInt8] {
        var w = JSONWriter(reservingCapacity: 512)
        w.beginArray()
        for rc in rcs {
            w.beginObject()
            w.field("ret_code", rc.retCode)
            w.field("message", rc.message)
            if let c = rc.cause { w.field("cause", c) }
            if let d = rc.details { w.field("details", d) }
            if let c = rc.correction { w.field("correction", c) }
            if !rc.objRefs.isEmpty { w.field("obj_refs", map: rc.objRefs) }
            w.field("created_at", nowISO)
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    // MARK: nodes

    static func node(_ n: NodeRecord, _ rt: NodeRuntime?, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("name", n.name)
        w.field("type", n.type.rawValue)
        w.field("flags", strings: n.flags)
        w.field("props", map: n.props)
        w.key("net_interfaces"); w.beginArray()
        for nif in n.netInterfaces {
            w.beginObject()
            w.field("name", nif.name)
            w.field("address", nif.address)
            if let p = nif.satellitePort { w.field("satellite_port", p) }
            if let e = nif.encryption { w.field("satellite_encryption_type", e.rawValue) }
            w.field("is_active", nif.isActive)
            w.field("uuid", nif.uuid)
            w.endObject()
        }
        w.endArray()
        w.field("connection_status", rt?.connectionStatus ?? "OFFLINE")
        w.field("uuid", n.uuid)
        w.field("storage_providers", strings: n.type.allowedProviders.map(\.rawValue).sorted())
        w.field("resource_layers", strings: n.type.runsSatellite ? ["DRBD", "STORAGE"] : [])
        w.key("unsupported_providers"); w.beginObject(); w.endObject()
        w.key("unsupported_layers"); w.beginObject(); w.endObject()
        w.field("platform", "LINUX")
        w.endObject()
    }

    // MARK: storage pools

    static func storagePool(_ p: StoragePoolRecord, _ rt: NodeRuntime?, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("storage_pool_name", p.name)
        w.field("node_name", p.nodeName)
        w.field("provider_kind", p.provider.rawValue)
        w.field("props", map: p.props)
        let thin = [.fileThin, .lvmThin, .zfsThin].contains(p.provider)
        let snapshots = ![.diskless, .lvm].contains(p.provider)
        w.key("static_traits"); w.beginObject()
        if p.provider != .diskless { w.field("Provisioning", thin ? "Thin" : "Fat") }
        w.field("SupportsSnapshots", snapshots ? "true" : "false")
        w.endObject()
        let actual = rt?.actualPools[Naming.key(p.name)]
        if p.provider == .diskless {
            w.field("free_capacity", ClusterDefaults.disklessCapacityKiB)
            w.field("total_capacity", ClusterDefaults.disklessCapacityKiB)
        } else {
            if let f = actual?.freeCapacityKiB { w.field("free_capacity", f) }
            if let t = actual?.totalCapacityKiB { w.field("total_capacity", t) }
        }
        w.field("free_space_mgr_name", p.freeSpaceManagerName)
        w.field("uuid", p.uuid)
        w.field("supports_snapshots", snapshots)
        w.field("external_locking", p.externalLocking)
        w.key("reports"); w.beginArray()
        if let error = actual?.error {
            report(ApiCallRc.error(.none, .storagePool, .unknownError, error, objRefs: ["Node": p.nodeName, "StorPool": p.name]), &w)
        } else if let rt, !rt.isOnline, rt.link != .none {
            report(.warning(.none, .storagePool, .warnNotConnected, "No active connection to satellite '\(p.nodeName)'", objRefs: ["Node": p.nodeName]), &w)
        } else if p.provider != .diskless, actual?.freeCapacityKiB == nil {
            report(.warning(.none, .storagePool, .warnNotConnected, "Satellite '\(p.nodeName)' has not reported the capacity of '\(p.name)' yet"), &w)
        }
        w.endArray()
        w.endObject()
    }

    static func report(_ rc: ApiCallRc, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("ret_code", rc.retCode)
        w.field("message", rc.message)
        if !rc.objRefs.isEmpty { w.field("obj_refs", map: rc.objRefs) }
        w.endObject()
    }

    // MARK: resource groups

    static func selectFilter(_ f: AutoSelectFilter, _ w: inout JSONWriter) {
        w.beginObject()
        if let v = f.placeCount { w.field("place_count", v) }
        if let v = f.additionalPlaceCount { w.field("additional_place_count", v) }
        if let v = f.nodeNames { w.field("node_name_list", strings: v) }
        if let v = f.storagePools {
            w.field("storage_pool_list", strings: v)
            if v.count == 1 { w.field("storage_pool", v[0]) }
        }
        if let v = f.disklessStoragePools { w.field("storage_pool_diskless_list", strings: v) }
        if let v = f.notPlaceWithResources { w.field("not_place_with_rsc", strings: v) }
        if let v = f.notPlaceWithResourcesRegex { w.field("not_place_with_rsc_regex", v) }
        if let v = f.replicasOnSame { w.field("replicas_on_same", strings: v) }
        if let v = f.replicasOnDifferent { w.field("replicas_on_different", strings: v) }
        if let v = f.xReplicasOnDifferent {
            w.key("x_replicas_on_different_map"); w.beginObject()
            for (k, n) in v.sorted(by: { $0.key < $1.key }) { w.field(k, n) }
            w.endObject()
        }
        if let v = f.layerStack { w.field("layer_stack", strings: v) }
        if let v = f.providers { w.field("provider_list", strings: v.map(\.rawValue)) }
        if let v = f.disklessOnRemaining { w.field("diskless_on_remaining", v) }
        if let v = f.disklessType { w.field("diskless_type", v) }
        w.endObject()
    }

    static func resourceGroup(_ g: ResourceGroupRecord, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("name", g.name)
        w.field("description", g.description)
        w.field("props", map: g.props)
        w.key("select_filter"); selectFilter(g.selectFilter, &w)
        if let p = g.peerSlots { w.field("peer_slots", p) }
        w.field("uuid", g.uuid)
        w.endObject()
    }

    static func volumeGroup(_ vg: VolumeGroupRecord, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("volume_number", vg.number)
        w.field("props", map: vg.props)
        w.field("flags", strings: vg.flags)
        w.field("uuid", vg.uuid)
        w.endObject()
    }

    // MARK: definitions

    static func resourceDefinition(_ rd: ResourceDefinitionRecord, withVolumes: Bool, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("name", rd.name)
        if let e = rd.externalName { w.field("external_name", e) }
        w.field("props", map: rd.props)
        w.field("flags", strings: rd.flags)
        w.field("uuid", rd.uuid)
        w.field("resource_group_name", rd.resourceGroup)
        layerData(rd.layerStack, &w) { w in
            w.field("peer_slots", rd.peerSlots)
            w.field("al_stripes", 1)
            w.field("al_stripe_size_kib", 32)
            w.field("port", -1)
            w.field("transport_type", "IP")
            w.field("secret", rd.secret)
            w.field("down", false)
        }
        if withVolumes {
            w.key("volume_definitions"); w.beginArray()
            for vd in rd.volumeDefinitions { volumeDefinition(vd, rd, &w) }
            w.endArray()
        }
        w.endObject()
    }

    static func volumeDefinition(_ vd: VolumeDefinitionRecord, _ rd: ResourceDefinitionRecord, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("volume_number", vd.number)
        w.field("size_kib", vd.sizeKiB)
        w.field("flags", strings: vd.flags)
        w.field("props", map: vd.props)
        w.field("uuid", vd.uuid)
        layerData(rd.layerStack, &w) { w in
            w.field("volume_number", vd.number)
            w.field("minor_number", vd.minor)
        }
        w.endObject()
    }

    /// `layer_data` of a definition: one entry per layer of its stack; the DRBD entry carries
    /// `data` (the resource-name suffix, then what `drbdFields` writes), the others only a type.
    static func layerData(_ stack: [String], _ w: inout JSONWriter, drbdFields: (inout JSONWriter) -> Void) {
        w.key("layer_data"); w.beginArray()
        for layer in stack {
            w.beginObject()
            w.field("type", layer)
            if layer == "DRBD" {
                w.key("data"); w.beginObject()
                w.field("resource_name_suffix", "")
                drbdFields(&w)
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
    }
}
