import ControllerCore
import Hummingbird
import TandemModel

extension RestAPI {
    func addDefinitionRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/resource-definitions") { req, _ in
            let (state, _) = await controller.snapshot()
            let filter = Rest.nameFilter(req, "resource_definitions")
            let withVolumes = req.uri.queryParameters.get("with_volume_definitions")?.lowercased() == "true"
            let props = Rest.propFilters(req)
            var w = JSONWriter(reservingCapacity: 1 << 16)
            w.beginArray()
            for key in state.resourceDefinitions.keys.sorted() where filter?.contains(key) ?? true {
                let rd = state.resourceDefinitions[key]!
                if !props.allSatisfy({ f in f.value.map { rd.props[f.key] == $0 } ?? (rd.props[f.key] != nil) }) { continue }
                Views.resourceDefinition(rd, withVolumes: withVolumes, &w)
            }
            w.endArray()
            return Rest.json(w.bytes)
        }
        router.get("/v1/resource-definitions/{rd}") { _, c in
            let name = c.parameters.name("rd")
            let (state, _) = await controller.snapshot()
            guard let rd = state.resourceDefinition(name) else { return Rest.rcs(ClusterState.definitionNotFound(name, .none).rcs, success: .ok) }
            var w = JSONWriter()
            Views.resourceDefinition(rd, withVolumes: false, &w)
            return Rest.json(w.bytes)
        }
        router.post("/v1/resource-definitions") { req, _ in
            await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                guard let rdBody = try b.object("resource_definition") else {
                    throw ApiError(.parseError("Unable to parse input json.", details: "field 'resource_definition' is required."))
                }
                var layers: [String]?
                if let list = try rdBody.array("layer_data") {
                    layers = []
                    for (i, v) in list.enumerated() {
                        guard case .object(let o) = v, case .string(let t)? = o["type"] else {
                            throw RequestBody.wrongType("resource_definition.layer_data[\(i)]", expected: "an object with a string 'type'", got: v)
                        }
                        layers!.append(t)
                    }
                }
                let external = try rdBody.string("external_name")
                var name = try rdBody.string("name")
                if name == nil { name = try Self.nameFromExternal(external) }
                return try state.createResourceDefinition(ResourceDefinitionCreate(
                    name: name!, resourceGroup: try rdBody.string("resource_group_name"), props: try rdBody.stringMap("props") ?? [:],
                    peerSlots: try b.smallInt("drbd_peer_slots"), externalName: external, layerStack: layers), ctx: ctx)
            }
        }
        router.put("/v1/resource-definitions/{rd}") { req, c in
            let name = c.parameters.name("rd")
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                var m = ResourceDefinitionModify()
                m.props = try b.propsChange()
                m.resourceGroup = try b.string("resource_group")
                m.peerSlots = try b.smallInt("drbd_peer_slots")
                return try state.modifyResourceDefinition(name, m)
            }
        }
        router.delete("/v1/resource-definitions/{rd}") { req, c in
            let name = c.parameters.name("rd")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in try state.deleteResourceDefinition(name) }
        }

        router.get("/v1/resource-definitions/{rd}/volume-definitions") { _, c in
            let name = c.parameters.name("rd")
            let (state, _) = await controller.snapshot()
            guard let rd = state.resourceDefinition(name) else { return Rest.rcs(ClusterState.definitionNotFound(name, .none).rcs, success: .ok) }
            var w = JSONWriter()
            w.beginArray()
            for vd in rd.volumeDefinitions { Views.volumeDefinition(vd, rd, &w) }
            w.endArray()
            return Rest.json(w.bytes)
        }
        router.get("/v1/resource-definitions/{rd}/volume-definitions/{nr}") { _, c in
            let name = c.parameters.name("rd"), nrText = c.parameters.name("nr")
            let (state, _) = await controller.snapshot()
            guard let rd = state.resourceDefinition(name) else { return Rest.rcs(ClusterState.definitionNotFound(name, .none).rcs, success: .ok) }
            guard let nr = Int(nrText), let vd = rd.volumeDefinition(nr) else {
                return Rest.rcs(ClusterState.volumeDefinitionNotFound(rd.name, Int(nrText) ?? -1, .none).rcs, success: .ok)
            }
            var w = JSONWriter()
            Views.volumeDefinition(vd, rd, &w)
            return Rest.json(w.bytes)
        }
        router.post("/v1/resource-definitions/{rd}/volume-definitions") { req, c in
            let name = c.parameters.name("rd")
            return await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                guard let vd = try b.object("volume_definition") else {
                    throw ApiError(.parseError("Unable to parse input json.", details: "field 'volume_definition' is required."))
                }
                guard let size = try vd.sizeKiB("size_kib") else {
                    throw ApiError(.parseError("Unable to parse input json.", details: "field 'volume_definition.size_kib' is required."))
                }
                return try state.createVolumeDefinition(name, VolumeDefinitionCreate(
                    sizeKiB: size, volumeNumber: try vd.smallInt("volume_number"), minor: try b.smallInt("drbd_minor_number"),
                    props: try vd.stringMap("props") ?? [:], flags: try vd.strings("flags") ?? []), ctx: ctx)
            }
        }
        router.put("/v1/resource-definitions/{rd}/volume-definitions/{nr}") { req, c in
            let name = c.parameters.name("rd"), nrText = c.parameters.name("nr")
            // Growing restarts the volume in the engines (no online resize yet), which would pull
            // the device out from under a mounted file system: refused while a node uses it.
            let inUse = Self.nodesUsing(name, await controller.snapshot().runtimes)
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                var m = VolumeDefinitionModify(sizeKiB: try b.sizeKiB("size_kib"))
                m.props = try b.propsChange()
                let number = try Self.volumeNumber(nrText)
                if let size = m.sizeKiB, !inUse.isEmpty,
                   let current = state.resourceDefinition(name)?.volumeDefinitions.first(where: { $0.number == number })?.sizeKiB, size > current {
                    throw .make(.modify, .volumeDefinition, .inUse,
                                "Volume \(number) of resource '\(name)' cannot grow while it is in use on \(inUse.map { state.nodes[$0]?.name ?? $0 }.joined(separator: ", ")).",
                                cause: "Tandem grows a volume by restarting it in the engines; an attached device would lose its export.",
                                correction: "Unmount and detach it (stop `tandem adm attach`), grow it, then attach again.")
                }
                return try state.modifyVolumeDefinition(name, number: number, m)
            }
        }
        router.delete("/v1/resource-definitions/{rd}/volume-definitions/{nr}") { req, c in
            let name = c.parameters.name("rd"), nrText = c.parameters.name("nr")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in
                try state.deleteVolumeDefinition(name, number: try Self.volumeNumber(nrText))
            }
        }
    }

    /// LINSTOR derives a valid name from an external (unicode) name; Tandem keeps the letters,
    /// digits, '_' and '-' and prefixes '_' if the result does not start with a letter.
    static func nameFromExternal(_ external: String?) throws(ApiError) -> String {
        guard let external, !external.isEmpty else {
            throw ApiError(.parseError("Unable to parse input json.", details: "field 'resource_definition.name' is required."))
        }
        var name = String(external.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }.map(Character.init))
        if name.first.map({ !$0.isLetter && $0 != "_" }) ?? true { name = "_" + name }
        return String(name.prefix(Naming.objectNameMax))
    }

    /// Nodes whose satellite reports the resource in use (an NBD client or an attached device).
    static func nodesUsing(_ resource: String, _ runtimes: [String: NodeRuntime]) -> [String] {
        let key = Naming.key(resource)
        return runtimes.filter { $0.value.isOnline && $0.value.actualResources[key]?.inUse == true }.keys.sorted()
    }
}
