import Placement
import TandemModel

extension ClusterState {
    /// `resource create RSC --auto-place N` and the placing half of `resource-group spawn`.
    /// `live` is what the controller knows about each node right now (key: `Naming.key`).
    public mutating func autoplace(_ rdName: String, filter requested: AutoSelectFilter, live: [String: NodeLiveView],
                                   ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard let rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .create) }
        try Self.validateFilter(requested, .create, .resource)
        let groupFilter = resourceGroup(rd.resourceGroup)?.selectFilter ?? AutoSelectFilter()
        let filter = requested.merged(over: groupFilter)
        guard !rd.volumeDefinitions.isEmpty else {
            throw .make(.create, .resource, .missingProps, "Resource definition '\(rd.name)' has no volume definitions; there is nothing to place.",
                        correction: "Create a volume definition first (volume-definition create \(rd.name) SIZE).")
        }
        let placed = resources(of: rd.name)
        let diskful = placed.filter { !$0.isDiskless }
        let eligibleNodeCount = nodes.values.filter { n in
            n.type.allowedProviders.contains(where: { $0 != .diskless })
        }.count
        var want = filter.placeCount ?? 2
        if want == -1 { want = eligibleNodeCount }
        var count = want - diskful.count
        if count <= 0, let extra = filter.additionalPlaceCount, extra > 0 { count = extra }
        var rcs: [ApiCallRc] = []
        if count > 0 {
            let request = placementRequest(rd, filter: filter, count: count, diskful: diskful, live: live)
            let candidates = placementNodes(rd, filter: filter, live: live)
            switch Placement.place(request, nodes: candidates) {
            case .failure(let why):
                throw ApiError(.error(.create, .resource, .notEnoughNodes, why.message,
                                      cause: "Auto-placement of resource '\(rd.name)' found no suitable storage pools.",
                                      details: why.details.isEmpty ? nil : why.details.joined(separator: "\n"),
                                      correction: "Add nodes or storage pools with enough free space, or relax the placement options.",
                                      objRefs: ["RscDfn": rd.name]))
            case .success(let choices):
                for c in choices {
                    _ = try createResource(rd, ResourceCreate(nodeName: c.node, props: ["StorPoolName": c.pool]), ctx: ctx)
                }
                rcs.append(.success(.create, .resource, .created, "Resource '\(rd.name)' successfully autoplaced on \(choices.count) node\(choices.count == 1 ? "" : "s")",
                                    details: "Used nodes (storage pool name): " + choices.map { "'\($0.node) (\($0.pool))'" }.joined(separator: ", "),
                                    objRefs: ["RscDfn": rd.name]))
            }
        } else {
            rcs.append(.info(.create, .resource, .created, "Resource '\(rd.name)' is already deployed on \(diskful.count) node\(diskful.count == 1 ? "" : "s") (place count \(want)).",
                             objRefs: ["RscDfn": rd.name]))
        }
        if filter.disklessOnRemaining == true {
            for n in nodes.values.sorted(by: { $0.name < $1.name }) where n.type.runsSatellite && resource(rd.name, node: n.name) == nil {
                guard let pool = disklessPool(on: n, preferred: filter.disklessStoragePools) else { continue }
                _ = try createResource(rd, ResourceCreate(nodeName: n.name, props: ["StorPoolName": pool], flags: ["DRBD_DISKLESS"]), ctx: ctx)
                rcs.append(.success(.create, .resource, .created, "Diskless resource '\(rd.name)' created on '\(n.name)'.", objRefs: ["RscDfn": rd.name, "Node": n.name]))
            }
        }
        return rcs
    }

    func disklessPool(on n: NodeRecord, preferred: [String]?) -> String? {
        let pools = (storagePools[Naming.key(n.name)] ?? [:]).values.filter { $0.provider == .diskless }
        if let preferred, let p = pools.first(where: { p in preferred.contains { Naming.key($0) == Naming.key(p.name) } }) { return p.name }
        return pools.first(where: { $0.name == ClusterDefaults.disklessPool })?.name ?? pools.map(\.name).min()
    }

    func placementRequest(_ rd: ResourceDefinitionRecord, filter: AutoSelectFilter, count: Int, diskful: [ResourceRecord],
                          live: [String: NodeLiveView]) -> PlacementRequest {
        let existing = diskful.compactMap { r -> PlacementNode? in
            guard let n = node(r.nodeName) else { return nil }
            return PlacementNode(name: n.name, online: live[Naming.key(n.name)]?.online ?? false, props: n.props, pools: [])
        }
        return PlacementRequest(count: count, sizeKiB: rd.totalSizeKiB, storagePools: filter.storagePools, providers: filter.providers,
                                nodeNames: filter.nodeNames, replicasOnSame: filter.replicasOnSame ?? [],
                                replicasOnDifferent: filter.replicasOnDifferent ?? [], xReplicasOnDifferent: filter.xReplicasOnDifferent ?? [:],
                                existingReplicaNodes: existing)
    }

    /// Every node that could hold storage, with its live pool capacities and why it is excluded.
    func placementNodes(_ rd: ResourceDefinitionRecord, filter: AutoSelectFilter, live: [String: NodeLiveView]) -> [PlacementNode] {
        let avoid = (filter.notPlaceWithResources ?? []).map(Naming.key)
        let avoidRegex: Regex<AnyRegexOutput>? = filter.notPlaceWithResourcesRegex.flatMap { try? Regex($0) }
        let rdKey = Naming.key(rd.name)
        var result: [PlacementNode] = []
        result.reserveCapacity(nodes.count)
        for (key, n) in nodes where n.type.allowedProviders.contains(where: { $0 != .diskless }) {
            let view = live[key]
            let held = resourcesOnNode[key] ?? []
            var excluded: String?
            if held.contains(rdKey) {
                excluded = "already holds resource '\(rd.name)'"
            } else if let hit = avoid.first(where: held.contains) {
                excluded = "holds resource '\(resourceDefinitions[hit]?.name ?? hit)' (do-not-place-with)"
            } else if let avoidRegex, let hit = held.first(where: { k in (resourceDefinitions[k]?.name).map { (try? avoidRegex.wholeMatch(in: $0)) != nil } ?? false }) {
                excluded = "holds resource '\(resourceDefinitions[hit]?.name ?? hit)' (do-not-place-with-regex)"
            } else if n.props["AutoplaceTarget"]?.lowercased() == "false" {
                excluded = "has AutoplaceTarget=false"
            }
            let counts = poolResourceCount[key] ?? [:]
            let pools = (storagePools[key] ?? [:]).map { poolKey, p in
                let cap = view?.poolCapacity[poolKey]
                return PlacementPool(name: p.name, provider: p.provider, freeKiB: cap?.freeKiB ?? nil, totalKiB: cap?.totalKiB ?? nil,
                                     resourceCount: counts[poolKey] ?? 0)
            }
            result.append(PlacementNode(name: n.name, online: view?.online ?? false, props: n.props, pools: pools, excludedBecause: excluded))
        }
        return result
    }

    /// `resource-group spawn-resources`: a definition in the group, its volumes, then placement.
    public mutating func spawn(_ groupName: String, _ req: SpawnRequest, live: [String: NodeLiveView], ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard let g = resourceGroup(groupName) else { throw Self.groupNotFound(groupName, .create) }
        let groupVolumes = g.volumeGroups.count
        if !req.partial, groupVolumes > 0, req.volumeSizesKiB.count != groupVolumes {
            throw .make(.create, .resourceDefinition, .invalidRequest,
                        "Resource group '\(g.name)' has \(groupVolumes) volume groups but \(req.volumeSizesKiB.count) sizes were given.",
                        correction: "Give one size per volume group, or use --partial.")
        }
        if req.volumeSizesKiB.isEmpty, !req.definitionsOnly {
            throw .make(.create, .resourceDefinition, .invalidVolumeSize, "No volume size given; spawn needs at least one size.")
        }
        var rcs = try createResourceDefinition(ResourceDefinitionCreate(name: req.resourceDefinitionName, resourceGroup: g.name, peerSlots: req.peerSlots), ctx: ctx)
        for (i, size) in req.volumeSizesKiB.enumerated() {
            let nr = i < g.volumeGroups.count ? g.volumeGroups[i].number : i
            rcs += try createVolumeDefinition(req.resourceDefinitionName, VolumeDefinitionCreate(sizeKiB: size, volumeNumber: nr), ctx: ctx)
        }
        if !req.definitionsOnly {
            rcs += try autoplace(req.resourceDefinitionName, filter: req.selectFilter, live: live, ctx: ctx)
        }
        return rcs
    }
}
