/// `resource-definition list`, `volume-definition list` and `resource-group list` tables.
public enum DefinitionTables {
    public static func resourceDefinitionList(_ definitions: [RestResourceDefinition]) -> BoxTable {
        var table = BoxTable(columns: [.init("ResourceName"), .init("ResourceGroup"), .init("Layers"), .init("State")])
        for rd in definitions.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            let flags = rd.flags ?? []
            let state = flags.contains("DELETE") ? "DELETE" : flags.contains("CLONING") ? "CLONING" : "ok"
            table.addRow([
                .init(rd.name), .init(rd.resourceGroupName ?? ""),
                .init((rd.layerData ?? []).map(\.type).joined(separator: ",")),
                .init(state, color: state == "ok" ? .green : .yellow),
            ])
        }
        return table
    }

    public static func volumeDefinitionList(_ definitions: [RestResourceDefinition]) -> BoxTable {
        var table = BoxTable(columns: [
            .init("ResourceName"), .init("VolumeNr"), .init("VolumeMinor"), .init("Size", alignment: .right),
            .init("Gross"), .init("State"),
        ])
        for rd in definitions.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            for vd in (rd.volumeDefinitions ?? []).sorted(by: { ($0.volumeNumber ?? 0) < ($1.volumeNumber ?? 0) }) {
                let flags = vd.flags ?? []
                let state = flags.contains("DELETE") ? "DELETING" : flags.contains("RESIZE") ? "resizing" : "ok"
                table.addRow([
                    .init(rd.name), .init(vd.volumeNumber.map(String.init) ?? ""), .init(vd.minorNumber.map(String.init) ?? ""),
                    .init(Display.kib(vd.sizeKib)), .init(flags.contains("GROSS_SIZE") ? "X" : ""),
                    .init(state, color: state == "ok" ? .green : .yellow),
                ])
            }
        }
        return table
    }

    /// The select filter in words, as the linstor client summarises it.
    public static func describe(_ filter: AutoSelectFilter?) -> String {
        guard let f = filter else { return "" }
        var parts: [String] = []
        if let n = f.placeCount { parts.append("PlaceCount: \(n)") }
        if let pools = f.storagePoolList, !pools.isEmpty { parts.append("StoragePool(s): " + pools.joined(separator: ", ")) }
        else if let pool = f.storagePool { parts.append("StoragePool(s): " + pool) }
        if let pools = f.storagePoolDisklessList, !pools.isEmpty { parts.append("DisklessStoragePool(s): " + pools.joined(separator: ", ")) }
        if let x = f.notPlaceWithRsc, !x.isEmpty { parts.append("NotPlaceWithRsc: " + x.joined(separator: ", ")) }
        if let x = f.notPlaceWithRscRegex { parts.append("NotPlaceWithRscRegex: " + x) }
        if let x = f.replicasOnSame, !x.isEmpty { parts.append("ReplicasOnSame: " + x.joined(separator: ", ")) }
        if let x = f.replicasOnDifferent, !x.isEmpty { parts.append("ReplicasOnDifferent: " + x.joined(separator: ", ")) }
        if let x = f.disklessOnRemaining { parts.append("DisklessOnRemaining: \(x ? "True" : "False")") }
        if let x = f.layerStack, !x.isEmpty { parts.append("LayerStack: " + x.joined(separator: ",")) }
        if let x = f.providerList, !x.isEmpty { parts.append("ProviderList: " + x.joined(separator: ",")) }
        return parts.joined(separator: ", ")
    }

    /// `volumeGroups` maps a group's name to its volume groups (fetched one call per group, as
    /// the linstor client does).
    public static func resourceGroupList(_ groups: [RestResourceGroup], volumeGroups: [String: [RestVolumeGroup]]) -> BoxTable {
        var table = BoxTable(columns: [.init("ResourceGroup"), .init("SelectFilter"), .init("VlmNrs"), .init("Description")])
        for rg in groups.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
            let numbers = (volumeGroups[rg.name] ?? []).compactMap(\.volumeNumber).sorted().map(String.init).joined(separator: ",")
            table.addRow([.init(rg.name), .init(describe(rg.selectFilter)), .init(numbers), .init(rg.description ?? "")])
        }
        return table
    }
}
