import TandemModel

extension ClusterState {
    /// Creates `DfltRscGrp` (place count 2, as LINSTOR seeds it) if it is missing.
    public mutating func ensureDefaults(ctx: OperationContext) {
        if resourceGroup(ClusterDefaults.resourceGroup) == nil {
            var filter = AutoSelectFilter()
            filter.placeCount = 2
            record(.upsertResourceGroup(ResourceGroupRecord(name: ClusterDefaults.resourceGroup, description: "", props: [:],
                                                            selectFilter: filter, peerSlots: nil, volumeGroups: [], uuid: ctx.makeUUID())))
        }
    }

    public mutating func createResourceGroup(_ req: ResourceGroupCreate, ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        if let why = Naming.resourceNameProblem(req.name) {
            throw .make(.create, .resourceGroup, .invalidResourceGroupName, "The resource group name '\(req.name)' is invalid: \(why).")
        }
        if let existing = resourceGroup(req.name) {
            throw .make(.create, .resourceGroup, .existsResourceGroup, "A resource group with the name '\(existing.name)' already exists.")
        }
        try Validate.props(req.props, .create, .resourceGroup)
        try Validate.peerSlots(req.peerSlots, .create, .resourceGroup)
        try Self.validateFilter(req.selectFilter, .create, .resourceGroup)
        let g = ResourceGroupRecord(name: req.name, description: req.description, props: req.props, selectFilter: req.selectFilter,
                                    peerSlots: req.peerSlots, volumeGroups: [], uuid: ctx.makeUUID())
        record(.upsertResourceGroup(g))
        return [.success(.create, .resourceGroup, .created, "Resource group '\(req.name)' successfully created.",
                         details: "Resource group '\(req.name)' UUID is: \(g.uuid)", objRefs: ["ResourceGroup": req.name])]
    }

    public mutating func modifyResourceGroup(_ name: String, _ req: ResourceGroupModify) throws(ApiError) -> [ApiCallRc] {
        guard var g = resourceGroup(name) else { throw Self.groupNotFound(name, .modify) }
        try Validate.propsChange(req.props, .resourceGroup)
        try Validate.peerSlots(req.peerSlots, .modify, .resourceGroup)
        if let f = req.selectFilter {
            try Self.validateFilter(f, .modify, .resourceGroup)
            g.selectFilter = f.merged(over: g.selectFilter)
        }
        if let d = req.description { g.description = d }
        if let p = req.peerSlots { g.peerSlots = p }
        g.props = req.props.applied(to: g.props)
        record(.upsertResourceGroup(g))
        // Group props reach the satellites through the definitions that inherit them.
        for (key, rd) in resourceDefinitions where Naming.key(rd.resourceGroup) == Naming.key(g.name) {
            record(.upsertResourceDefinition(resourceDefinitions[key]!))
        }
        return [.success(.modify, .resourceGroup, .modified, "Resource group '\(g.name)' modified.", objRefs: ["ResourceGroup": g.name])]
    }

    public mutating func deleteResourceGroup(_ name: String) throws(ApiError) -> [ApiCallRc] {
        guard let g = resourceGroup(name) else { throw Self.groupNotFound(name, .delete) }
        if Naming.key(g.name) == Naming.key(ClusterDefaults.resourceGroup) {
            throw .make(.delete, .resourceGroup, .inUse, "The default resource group '\(g.name)' cannot be deleted.")
        }
        let users = resourceDefinitions.values.filter { Naming.key($0.resourceGroup) == Naming.key(g.name) }.map(\.name).sorted()
        if !users.isEmpty {
            throw .make(.delete, .resourceGroup, .inUse,
                        "Resource group '\(g.name)' is still used by \(users.count) resource definition\(users.count == 1 ? "" : "s"): \(users.prefix(10).map { "'\($0)'" }.joined(separator: ", ")).")
        }
        record(.deleteResourceGroup(g.name))
        return [.success(.delete, .resourceGroup, .deleted, "Resource group '\(g.name)' deleted.", objRefs: ["ResourceGroup": g.name])]
    }

    public mutating func createVolumeGroup(_ groupName: String, number: Int?, props: Props, flags: [String], ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard var g = resourceGroup(groupName) else { throw Self.groupNotFound(groupName, .create) }
        try Validate.props(props, .create, .volumeGroup)
        let nr = number ?? ((g.volumeGroups.map(\.number).max() ?? -1) + 1)
        guard (0...Self.volumeNumberMax).contains(nr) else {
            throw .make(.create, .volumeGroup, .invalidVolumeNumber, "Volume number \(nr) is out of range (0–\(Self.volumeNumberMax)).")
        }
        if g.volumeGroups.contains(where: { $0.number == nr }) {
            throw .make(.create, .volumeGroup, .existsVolumeGroup, "Volume group \(nr) already exists in resource group '\(g.name)'.")
        }
        g.volumeGroups.append(VolumeGroupRecord(number: nr, props: props, flags: flags, uuid: ctx.makeUUID()))
        g.volumeGroups.sort { $0.number < $1.number }
        record(.upsertResourceGroup(g))
        return [.success(.create, .volumeGroup, .created, "New volume group with number '\(nr)' of resource group '\(g.name)' created.",
                         objRefs: ["ResourceGroup": g.name, "VlmNr": String(nr)])]
    }

    public mutating func deleteVolumeGroup(_ groupName: String, number: Int) throws(ApiError) -> [ApiCallRc] {
        guard var g = resourceGroup(groupName) else { throw Self.groupNotFound(groupName, .delete) }
        guard g.volumeGroups.contains(where: { $0.number == number }) else {
            throw .make(.delete, .volumeGroup, .notFoundVolumeGroup, "Volume group \(number) not found in resource group '\(g.name)'.")
        }
        g.volumeGroups.removeAll { $0.number == number }
        record(.upsertResourceGroup(g))
        return [.success(.delete, .volumeGroup, .deleted, "Volume group \(number) of resource group '\(g.name)' deleted.")]
    }

    static let volumeNumberMax = 65535

    public static func groupNotFound(_ name: String, _ op: RcOperation) -> ApiError {
        .make(op, .resourceGroup, .notFoundResourceGroup, "Resource group '\(name)' not found.", correction: "Check the name with 'resource-group list'.")
    }

    static func validateFilter(_ f: AutoSelectFilter, _ op: RcOperation, _ object: RcObject) throws(ApiError) {
        if let n = f.placeCount, n < -1 || n > ClusterDefaults.nodeIdRange.upperBound + 1 {
            throw .make(op, object, .invalidPlaceCount, "The place count \(n) is out of range (1–32).")
        }
        if let n = f.additionalPlaceCount, n < 0 || n > 32 {
            throw .make(op, object, .invalidPlaceCount, "The additional place count \(n) is out of range (0–32).")
        }
        if let re = f.notPlaceWithResourcesRegex {
            do { _ = try Regex(re) } catch {
                throw .make(op, object, .invalidRequest, "The do-not-place-with regular expression '\(re)' is invalid: \(error).")
            }
        }
        for (key, n) in f.xReplicasOnDifferent ?? [:] where n < 1 {
            throw .make(op, object, .invalidRequest, "x-replicas-on-different for '\(key)' must be at least 1, not \(n).")
        }
    }
}
