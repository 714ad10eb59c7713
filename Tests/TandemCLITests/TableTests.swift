import Foundation
import Testing
@testable import TandemCLICore

@Suite struct BoxTableTests {
    func sample() -> BoxTable {
        var t = BoxTable(columns: [.init("Node"), .init("State", alignment: .right)])
        t.addRow([.init("alpha"), .init("Online", color: .green)])
        t.addRow([.init("b"), .init("OFFLINE", color: .red)])
        return t
    }

    @Test func rendersLinstorBoxStyle() {
        #expect(sample().render(style: .plain) == """
            ╭─────────────────╮
            ┊ Node  ┊   State ┊
            ╞┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄╡
            ┊ alpha ┊  Online ┊
            ┊ b     ┊ OFFLINE ┊
            ╰─────────────────╯

            """)
    }

    @Test func asciiWhenAsked() {
        #expect(sample().render(style: TerminalStyle(colors: false, utf8: false)).hasPrefix("+-----------------+\n| Node  |   State |\n|-----------------|\n"))
    }

    @Test func coloursDoNotShiftColumns() {
        let coloured = sample().render(style: TerminalStyle(colors: true))
        let stripped = coloured.replacingOccurrences(of: "\u{1B}[92m", with: "").replacingOccurrences(of: "\u{1B}[91m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")
        #expect(coloured.contains("\u{1B}[92mOnline\u{1B}[0m"))
        #expect(stripped == sample().render(style: .plain))
    }

    @Test func emptyTableStillHasHeader() {
        let t = BoxTable(columns: [.init("Node")])
        #expect(t.render(style: .plain) == "╭──────╮\n┊ Node ┊\n╞┄┄┄┄┄┄╡\n╰──────╯\n")
    }
}

@Suite struct ListTableTests {
    func texts(_ t: BoxTable) -> [[String]] { t.rows.map { $0.map(\.text) } }

    @Test func nodeListShowsActiveInterfaceAndLinstorStateNames() throws {
        let nodes = try Fixtures.decode([RestNode].self, Fixtures.nodes)
        let t = NodeTables.nodeList(nodes)
        #expect(t.columns.map(\.title) == ["Node", "NodeType", "Addresses", "State"])
        #expect(texts(t) == [
            ["alpha", "COMBINED", "10.43.70.2:3367 (SSL)", "Online"],
            ["bravo", "SATELLITE", "10.43.70.3:3366 (PLAIN)", "OFFLINE"],
            ["charlie", "SATELLITE", "", "EVICTED"],
            ["delta", "SATELLITE", "", "OFFLINE(VERSION MISMATCH)"],
        ])
        #expect(t.rows[0][3].color == .green)
        #expect(t.rows[1][3].color == .red)
    }

    @Test func storagePoolListHidesDisklessCapacityAndDerivesState() throws {
        let pools = try Fixtures.decode([RestStoragePool].self, Fixtures.storagePools)
        let t = NodeTables.storagePoolList(pools)
        #expect(t.columns.map(\.title) == ["StoragePool", "Node", "Driver", "PoolName", "FreeCapacity", "TotalCapacity", "CanSnapshots", "State", "SharedName"])
        #expect(texts(t) == [
            ["DfltDisklessStorPool", "alpha", "DISKLESS", "", "", "", "False", "Ok", "alpha;DfltDisklessStorPool"],
            ["pool1", "alpha", "FILE_THIN", "/var/lib/tandem/pool1", "95 GiB", "100 GiB", "True", "Ok", "alpha;pool1"],
            ["pool1", "bravo", "LVM", "vg0", "", "", "False", "Error", ""],
        ])
    }

    @Test func resourceDefinitionAndVolumeDefinitionLists() throws {
        let rds = try Fixtures.decode([RestResourceDefinition].self, Fixtures.resourceDefinitions)
        #expect(texts(DefinitionTables.resourceDefinitionList(rds)) == [
            ["backups", "web", "DRBD,STORAGE", "DELETE"],
            ["rsc1", "DfltRscGrp", "DRBD,STORAGE", "ok"],
        ])
        let vd = DefinitionTables.volumeDefinitionList(rds)
        #expect(vd.columns.map(\.title) == ["ResourceName", "VolumeNr", "VolumeMinor", "Size", "Gross", "State"])
        #expect(texts(vd) == [
            ["rsc1", "0", "1000", "40 GiB", "", "ok"],
            ["rsc1", "1", "1001", "512 MiB", "X", "ok"],
        ])
    }

    @Test func resourceGroupListSummarisesTheFilter() throws {
        let groups = try Fixtures.decode([RestResourceGroup].self, Fixtures.resourceGroups)
        let t = DefinitionTables.resourceGroupList(groups, volumeGroups: ["web": [RestVolumeGroup(volumeNumber: 1), RestVolumeGroup(volumeNumber: 0)]])
        #expect(texts(t) == [
            ["DfltRscGrp", "PlaceCount: 2", "", ""],
            ["web", "PlaceCount: 3, StoragePool(s): pool1, ReplicasOnDifferent: Aux/site, DisklessOnRemaining: True", "0,1", "web servers"],
        ])
    }

    @Test func resourceListShowsLayersUsageConnsStateAndCreatedOn() throws {
        let resources = try Fixtures.decode([RestResource].self, Fixtures.resources)
        let t = ResourceTables.resourceList(resources, timeZone: TimeZone(identifier: "UTC")!)
        #expect(t.columns.map(\.title) == ["ResourceName", "Node", "Layers", "Usage", "Conns", "State", "CreatedOn"])
        #expect(texts(t) == [
            ["old", "node-0", "STORAGE", "", "Ok", "DELETING", ""],
            ["rsc1", "node-0", "DRBD,STORAGE", "InUse", "Ok", "UpToDate", "2021-06-09 09:22:07"],
            ["rsc1", "node-1", "DRBD,STORAGE", "Unused", "Connecting(node-2)", "Inconsistent", "2021-06-09 09:22:08"],
            ["rsc1", "node-2", "DRBD,STORAGE", "", "Ok", "TieBreaker", ""],
        ])
    }

    @Test func volumeListShowsMinorDeviceAllocationAndReplication() throws {
        let resources = try Fixtures.decode([RestResource].self, Fixtures.resources)
        let t = ResourceTables.volumeList(resources)
        #expect(t.columns.map(\.title) == ["Resource", "Node", "StoragePool", "VolNr", "MinorNr", "DeviceName", "Allocated", "InUse", "State", "Repl"])
        #expect(texts(t) == [
            ["old", "node-0", "thinpool", "0", "", "", "", "", "DELETING", ""],
            ["rsc1", "node-0", "thinpool", "0", "1000", "/dev/drbd1000", "315 KiB", "InUse", "UpToDate", "Established(2)"],
            ["rsc1", "node-1", "thinpool", "0", "1000", "/dev/drbd1000", "1 GiB", "Unused", "Inconsistent", "node-0: SyncTarget(45.20%), node-2: Off"],
            ["rsc1", "node-2", "DfltDisklessStorPool", "0", "1000", "/dev/drbd1000", "", "", "TieBreaker", ""],
        ])
    }

    @Test func deviceNameShowsTheAttachedDeviceAndTheNBDExport() throws {
        let json = """
        [{"name":"r","node_name":"a","layer_object":{"type":"DRBD","drbd":{"connections":{}}},"state":{"in_use":true},
          "volumes":[{"volume_number":0,"device_path":"/dev/loop3","state":{"disk_state":"SyncTarget(45.20%)"},
                      "layer_data_list":[{"type":"DRBD","data":{"device_path":"nbd+unix:///r/0?socket=/s"}}]}]},
         {"name":"r","node_name":"b","layer_object":{"type":"DRBD","drbd":{"connections":{}}},"state":{"in_use":false},
          "volumes":[{"volume_number":0,"device_path":"nbd+unix:///r/0?socket=/s","state":{"disk_state":"UpToDate"},
                      "layer_data_list":[{"type":"DRBD","data":{"device_path":"nbd+unix:///r/0?socket=/s"}}]}]}]
        """
        let resources = try Fixtures.decode([RestResource].self, json)
        let rows = texts(ResourceTables.volumeList(resources))
        #expect(rows.map { $0[5] } == ["/dev/loop3 nbd+unix:///r/0?socket=/s", "nbd+unix:///r/0?socket=/s"])
        #expect(rows.map { $0[7] } == ["InUse", "Unused"])
        #expect(rows.map { $0[8] } == ["SyncTarget(45.20%)", "UpToDate"])
        #expect(texts(ResourceTables.resourceList(resources, timeZone: TimeZone(identifier: "UTC")!)).map { $0[5] } == ["SyncTarget(45.20%)", "UpToDate"])
    }

    @Test func createdVolumesWithoutDrbdAndMissingStatesStayReadable() throws {
        let json = """
        [{"name":"plain","node_name":"n","layer_object":{"type":"STORAGE"},"volumes":[{"volume_number":0,"layer_data_list":[{"type":"STORAGE"}]}]},
         {"name":"nostate","node_name":"n","layer_object":{"type":"DRBD","drbd":{}},"volumes":[{"volume_number":0,"layer_data_list":[{"type":"DRBD"}]}]},
         {"name":"novolumes","node_name":"n"}]
        """
        let resources = try Fixtures.decode([RestResource].self, json)
        #expect(texts(ResourceTables.resourceList(resources, timeZone: TimeZone(identifier: "UTC")!)).map { $0[5] } == ["Unknown", "Unknown", "Created"])
    }

    @Test func sizesAndTimestamps() {
        #expect(Display.kib(0) == "0 KiB")
        #expect(Display.kib(41943040) == "40 GiB")
        #expect(Display.kib(111155) == "108.55 MiB")
        #expect(Display.timestamp(milliseconds: 0, timeZone: TimeZone(identifier: "UTC")!) == "1970-01-01 00:00:00")
        #expect(Display.timestamp(milliseconds: 1623230527247, timeZone: TimeZone(secondsFromGMT: 7200)!) == "2021-06-09 11:22:07")
    }

    @Test func machineReadableWrapsListRepliesInAnOuterArray() throws {
        let out = try MachineReadable.list([Data(#"[{"name":"a"}]"#.utf8)])
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[[String: String]]]
        #expect(parsed == [[["name": "a"]]])
        #expect(throws: MachineReadable.NotJSON.self) { try MachineReadable.list([Data("<html>".utf8)]) }
    }

    @Test func providerNamesAsLinstorSpellsThem() {
        #expect(ProviderKindName.parse("filethin") == .fileThin)
        #expect(ProviderKindName.parse("file_thin") == .fileThin)
        #expect(ProviderKindName.parse("LVM_THIN") == .lvmThin)
        #expect(ProviderKindName.parse("zfsthin") == .zfsThin)
        #expect(ProviderKindName.parse("diskless") == .diskless)
        #expect(ProviderKindName.parse("spdk") == nil)
    }
}

@Suite struct NodeDescriptionTests {
    @Test func treeOfPoolsResourcesAndVolumes() throws {
        let nodes = try Fixtures.decode([RestNode].self, #"[{"name":"node-1","type":"SATELLITE","net_interfaces":[{"name":"default","address":"10.0.0.2","satellite_port":3366,"satellite_encryption_type":"PLAIN","is_active":true}],"connection_status":"ONLINE"},{"name":"node-9","type":"SATELLITE"}]"#)
        let pools = try Fixtures.decode([RestStoragePool].self, """
            [{"storage_pool_name":"thinpool","node_name":"node-1","provider_kind":"LVM_THIN","props":{"StorDriver/StorPoolName":"vg/thin"},"free_capacity":1048576,"total_capacity":2097152},
             {"storage_pool_name":"DfltDisklessStorPool","node_name":"node-1","provider_kind":"DISKLESS","free_capacity":9223372036854775807,"total_capacity":9223372036854775807}]
            """)
        let resources = try Fixtures.decode([RestResource].self, Fixtures.resources)
        #expect(NodeDescription.render(nodes: nodes, pools: pools, resources: resources) == """
            node-1 (SATELLITE, 10.0.0.2:3366 (PLAIN), Online)
            ├── storage pools
            │   ├── DfltDisklessStorPool (DISKLESS)
            │   └── thinpool (LVM_THIN, vg/thin, 1 GiB free of 2 GiB)
            └── resources
                └── rsc1 (Inconsistent)
                    └── volume 0 (minor 1000, /dev/drbd1000, thinpool, Inconsistent)
            node-9 (SATELLITE, OFFLINE)

            """)
    }
}
