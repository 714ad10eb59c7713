import ControllerCore
import Hummingbird
import TandemModel

extension RestAPI {
    func addGroupRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/resource-groups") { req, _ in
            let (state, _) = await controller.snapshot()
            let filter = Rest.nameFilter(req, "resource_groups")
            var w = JSONWriter()
            w.beginArray()
            for key in state.resourceGroups.keys.sorted() where filter?.contains(key) ?? true {
                Views.resourceGroup(state.resourceGroups[key]!, &w)
            }
            w.endArray()
            return Rest.json(w.bytes)
        }
        router.get("/v1/resource-groups/{rg}") { _, c in
            let name = c.parameters.name("rg")
            let (state, _) = await controller.snapshot()
            guard let g = state.resourceGroup(name) else { return Rest.rcs(ClusterState.groupNotFound(name, .none).rcs, success: .ok) }
            var w = JSONWriter()
            Views.resourceGroup(g, &w)
            return Rest.json(w.bytes)
        }
        router.post("/v1/resource-groups") { req, _ in
            await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                return try state.createResourceGroup(ResourceGroupCreate(
                    name: try b.requiredString("name"), description: try b.string("description") ?? "", props: try b.stringMap("props") ?? [:],
                    selectFilter: try b.object("select_filter")?.selectFilter() ?? AutoSelectFilter(), peerSlots: try b.smallInt("peer_slots")), ctx: ctx)
            }
        }
        router.put("/v1/resource-groups/{rg}") { req, c in
            let name = c.parameters.name("rg")
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                var m = ResourceGroupModify()
                m.description = try b.string("description")
                m.props = try b.propsChange()
                m.selectFilter = try b.object("select_filter")?.selectFilter()
                m.peerSlots = try b.smallInt("peer_slots")
                return try state.modifyResourceGroup(name, m)
            }
        }
        router.delete("/v1/resource-groups/{rg}") { req, c in
            let name = c.parameters.name("rg")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in try state.deleteResourceGroup(name) }
        }
        router.get("/v1/resource-groups/{rg}/volume-groups") { _, c in
            let name = c.parameters.name("rg")
            let (state, _) = await controller.snapshot()
            guard let g = state.resourceGroup(name) else { return Rest.rcs(ClusterState.groupNotFound(name, .none).rcs, success: .ok) }
            var w = JSONWriter()
            w.beginArray()
            for vg in g.volumeGroups { Views.volumeGroup(vg, &w) }
            w.endArray()
            return Rest.json(w.bytes)
        }
        router.post("/v1/resource-groups/{rg}/volume-groups") { req, c in
            let name = c.parameters.name("rg")
            return await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                let b = bytes.isEmpty ? RequestBody(fields: [:], path: "") : try RequestBody.object(bytes)
                return try state.createVolumeGroup(name, number: try b.smallInt("volume_number"), props: try b.stringMap("props") ?? [:],
                                                   flags: try b.strings("flags") ?? [], ctx: ctx)
            }
        }
        router.delete("/v1/resource-groups/{rg}/volume-groups/{nr}") { req, c in
            let name = c.parameters.name("rg"), nrText = c.parameters.name("nr")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in
                try state.deleteVolumeGroup(name, number: try Self.volumeNumber(nrText))
            }
        }
        router.post("/v1/resource-groups/{rg}/spawn") { req, c in
            let name = c.parameters.name("rg")
            return await mutation(req, success: .created, waitForApply: true) { bytes, state, ctx, live throws(ApiError) in
                let b = try RequestBody.object(bytes)
                var sizes: [UInt64] = []
                for (i, v) in (try b.array("volume_sizes") ?? []).enumerated() {
                    guard case .number(_, let n?) = v else { throw RequestBody.wrongType("volume_sizes[\(i)]", expected: "a whole number of KiB", got: v) }
                    guard n > 0 else { throw ApiError.make(.create, .volumeDefinition, .invalidVolumeSize, "volume_sizes[\(i)] must be greater than 0 KiB, not \(n).") }
                    sizes.append(UInt64(n))
                }
                var rdName = try b.string("resource_definition_name")
                if rdName == nil { rdName = try Self.nameFromExternal(try b.string("resource_definition_external_name")) }
                return try state.spawn(name, SpawnRequest(resourceDefinitionName: rdName!, volumeSizesKiB: sizes,
                                                          definitionsOnly: try b.bool("definitions_only") ?? false, partial: try b.bool("partial") ?? false,
                                                          selectFilter: try b.object("select_filter")?.selectFilter() ?? AutoSelectFilter(),
                                                          peerSlots: try b.smallInt("peer_slots")), live: live, ctx: ctx)
            }
        }
    }

    static func volumeNumber(_ text: String) throws(ApiError) -> Int {
        guard let n = Int(text), n >= 0 else {
            throw ApiError.make(.none, .volumeDefinition, .invalidVolumeNumber, "'\(text)' is not a volume number (0, 1, 2, …).")
        }
        return n
    }
}
