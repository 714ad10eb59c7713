import Placement
import TandemModel

extension ClusterState {
    public mutating func createResourceDefinition(_ req: ResourceDefinitionCreate, ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        if let why = Naming.resourceNameProblem(req.name) {
            throw .make(.create, .resourceDefinition, .invalidResourceName, "The resource name '\(req.name)' is invalid: \(why).")
        }
        if let existing = resourceDefinition(req.name) {
            throw .make(.create, .resourceDefinition, .existsResourceDefinition, "A resource definition with the name '\(existing.name)' already exists.")
        }
        let groupName = req.resourceGroup.flatMap { $0.isEmpty ? nil : $0 } ?? ClusterDefaults.resourceGroup
        guard let group = resourceGroup(groupName) else { throw Self.groupNotFound(groupName, .create) }
        try Validate.props(req.props, .create, .resourceDefinition)
        try Validate.peerSlots(req.peerSlots, .create, .resourceDefinition)
        let layers = try Self.layerStack(req.layerStack, .create)
        let rd = ResourceDefinitionRecord(name: req.name, externalName: req.externalName, resourceGroup: group.name, props: req.props, flags: [],
                                          peerSlots: req.peerSlots ?? group.peerSlots ?? ClusterDefaults.peerSlots, secret: ctx.makeSecret(),
                                          layerStack: layers, volumeDefinitions: [], uuid: ctx.makeUUID())
        record(.upsertResourceDefinition(rd))
        return [.success(.create, .resourceDefinition, .created, "New resource definition '\(req.name)' created.",
                         details: "Resource definition '\(req.name)' UUID is: \(rd.uuid)", objRefs: ["RscDfn": req.name])]
    }

    public mutating func modifyResourceDefinition(_ name: String, _ req: ResourceDefinitionModify) throws(ApiError) -> [ApiCallRc] {
        guard var rd = resourceDefinition(name) else { throw Self.definitionNotFound(name, .modify) }
        try Validate.propsChange(req.props, .resourceDefinition)
        try Validate.peerSlots(req.peerSlots, .modify, .resourceDefinition)
        if let g = req.resourceGroup {
            guard let group = resourceGroup(g) else { throw Self.groupNotFound(g, .modify) }
            rd.resourceGroup = group.name
        }
        if let p = req.peerSlots {
            let placed = resources[Naming.key(name)]?.count ?? 0
            if p < placed - 1 {
                throw .make(.modify, .resourceDefinition, .invalidRequest, "Resource '\(rd.name)' has \(placed) replicas, which need at least \(placed - 1) peer slots, not \(p).")
            }
            rd.peerSlots = p
        }
        rd.props = req.props.applied(to: rd.props)
        record(.upsertResourceDefinition(rd))
        return [.success(.modify, .resourceDefinition, .modified, "Resource definition '\(rd.name)' modified.", objRefs: ["RscDfn": rd.name])]
    }

    /// Deletes the definition and every resource of it (as LINSTOR does).
    public mutating func deleteResourceDefinition(_ name: String) throws(ApiError) -> [ApiCallRc] {
        guard let rd = resourceDefinition(name) else { throw Self.definitionNotFound(name, .delete) }
        var rcs: [ApiCallRc] = []
        for r in resources(of: rd.name) {
            record(.deleteResource(resource: rd.name, node: r.nodeName))
            rcs.append(.success(.delete, .resource, .deleted, "Resource '\(rd.name)' on node '\(r.nodeName)' deleted.", objRefs: ["RscDfn": rd.name, "Node": r.nodeName]))
        }
        record(.deleteResourceDefinition(rd.name))
        rcs.append(.success(.delete, .resourceDefinition, .deleted, "Resource definition '\(rd.name)' deleted.",
                            details: "Resource definition '\(rd.name)' UUID was: \(rd.uuid)", objRefs: ["RscDfn": rd.name]))
        return rcs
    }

    public mutating func createVolumeDefinition(_ rdName: String, _ req: VolumeDefinitionCreate, ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard var rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .create) }
        try Validate.volumeSize(req.sizeKiB, .create)
        try Validate.props(req.props, .create, .volumeDefinition)
        let nr = req.volumeNumber ?? ((rd.volumeDefinitions.map(\.number).max() ?? -1) + 1)
        guard (0...Self.volumeNumberMax).contains(nr) else {
            throw .make(.create, .volumeDefinition, .invalidVolumeNumber, "Volume number \(nr) is out of range (0–\(Self.volumeNumberMax)).")
        }
        if rd.volumeDefinition(nr) != nil {
            throw .make(.create, .volumeDefinition, .existsVolumeDefinition, "Volume definition \(nr) of resource '\(rd.name)' already exists.")
        }
        let minor: Int
        if let wanted = req.minor {
            guard ClusterDefaults.minorRange.contains(wanted) else {
                throw .make(.create, .volumeDefinition, .invalidMinor, "Minor number \(wanted) is out of range (\(ClusterDefaults.minorRange.lowerBound)–\(ClusterDefaults.minorRange.upperBound)).")
            }
            guard !minors.contains(wanted) else {
                throw .make(.create, .volumeDefinition, .invalidMinor, "Minor number \(wanted) is already in use.", correction: "Leave the minor out to have one allocated.")
            }
            minor = wanted
        } else {
            guard let free = minors.peekLowestFree() else {
                throw .make(.create, .volumeDefinition, .poolExhaustedMinor,
                            "All minor numbers (\(ClusterDefaults.minorRange.lowerBound)–\(ClusterDefaults.minorRange.upperBound)) are in use; no volume definition can be added.",
                            correction: "Delete unused volume definitions.")
            }
            minor = free
        }
        let flags = req.flags.map { $0.uppercased() }
        if let bad = flags.first(where: { !["GROSS_SIZE", "ENCRYPTED"].contains($0) }) {
            throw .make(.create, .volumeDefinition, .invalidRequest, "Unknown volume definition flag '\(bad)' (known: GROSS_SIZE, ENCRYPTED).")
        }
        let vd = VolumeDefinitionRecord(number: nr, sizeKiB: req.sizeKiB, minor: minor, props: req.props, flags: flags, uuid: ctx.makeUUID())
        rd.volumeDefinitions.append(vd)
        rd.volumeDefinitions.sort { $0.number < $1.number }
        record(.upsertResourceDefinition(rd))
        return [.success(.create, .volumeDefinition, .created, "New volume definition with number '\(nr)' of resource definition '\(rd.name)' created.",
                         details: "Volume definition with number '\(nr)' of resource definition '\(rd.name)' UUID is: \(vd.uuid)",
                         objRefs: ["RscDfn": rd.name, "VlmNr": String(nr)])]
    }

    public mutating func modifyVolumeDefinition(_ rdName: String, number: Int, _ req: VolumeDefinitionModify) throws(ApiError) -> [ApiCallRc] {
        guard var rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .modify) }
        guard let index = rd.volumeDefinitions.firstIndex(where: { $0.number == number }) else {
            throw Self.volumeDefinitionNotFound(rd.name, number, .modify)
        }
        try Validate.propsChange(req.props, .volumeDefinition)
        var vd = rd.volumeDefinitions[index]
        if let size = req.sizeKiB {
            try Validate.volumeSize(size, .modify)
            if size < vd.sizeKiB, !(resources[Naming.key(rd.name)]?.isEmpty ?? true) {
                throw .make(.modify, .volumeDefinition, .invalidVolumeSize,
                            "Volume \(number) of resource '\(rd.name)' cannot shrink from \(Placement.humanKiB(vd.sizeKiB)) to \(Placement.humanKiB(size)) while it is deployed.",
                            correction: "Volumes only grow while deployed; delete the resources first to shrink.")
            }
            vd.sizeKiB = size
        }
        vd.props = req.props.applied(to: vd.props)
        rd.volumeDefinitions[index] = vd
        record(.upsertResourceDefinition(rd))
        return [.success(.modify, .volumeDefinition, .modified, "Volume definition '\(number)' of resource definition '\(rd.name)' modified.",
                         objRefs: ["RscDfn": rd.name, "VlmNr": String(number)])]
    }

    public mutating func deleteVolumeDefinition(_ rdName: String, number: Int) throws(ApiError) -> [ApiCallRc] {
        guard var rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .delete) }
        guard rd.volumeDefinition(number) != nil else { throw Self.volumeDefinitionNotFound(rd.name, number, .delete) }
        rd.volumeDefinitions.removeAll { $0.number == number }
        record(.upsertResourceDefinition(rd))
        return [.success(.delete, .volumeDefinition, .deleted, "Volume definition with number '\(number)' of resource definition '\(rd.name)' deleted.",
                         objRefs: ["RscDfn": rd.name, "VlmNr": String(number)])]
    }

    public static func definitionNotFound(_ name: String, _ op: RcOperation) -> ApiError {
        .make(op, .resourceDefinition, .notFoundResourceDefinition, "Resource definition '\(name)' not found.",
              correction: "Check the name with 'resource-definition list'.")
    }

    public static func volumeDefinitionNotFound(_ rd: String, _ nr: Int, _ op: RcOperation) -> ApiError {
        .make(op, .volumeDefinition, .notFoundVolumeDefinition, "Volume definition \(nr) of resource definition '\(rd)' not found.")
    }

    static let knownLayers = ["DRBD", "STORAGE", "LUKS", "NVME", "WRITECACHE", "CACHE", "BCACHE"]

    /// Tandem replicates every resource, so the stack is DRBD over STORAGE; other layers are refused.
    static func layerStack(_ requested: [String]?, _ op: RcOperation) throws(ApiError) -> [String] {
        guard let requested, !requested.isEmpty else { return ["DRBD", "STORAGE"] }
        let upper = requested.map { $0.uppercased() }
        if let unknown = upper.first(where: { !knownLayers.contains($0) }) {
            throw .make(op, .resourceDefinition, .invalidRequest, "Unknown layer '\(unknown)' (LINSTOR layers: \(knownLayers.joined(separator: ", "))).")
        }
        if let unsupported = upper.first(where: { $0 != "DRBD" && $0 != "STORAGE" }) {
            throw .make(op, .resourceDefinition, .invalidRequest, "Tandem does not provide the \(unsupported) layer; supported layer stacks are DRBD,STORAGE and STORAGE.")
        }
        return upper.last == "STORAGE" ? upper : upper + ["STORAGE"]
    }
}
