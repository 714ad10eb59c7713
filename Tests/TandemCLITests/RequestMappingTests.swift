import ArgumentParser
import Foundation
import Testing
@testable import TandemCLI
@testable import TandemCLICore

/// The executable's command tree, rebuilt here (the executable target cannot be imported).
struct Root: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tandem", subcommands: ClientCommands.all + [ControllerGroupStandIn.self])
}

/// The executable's `controller` group as far as the CLI is concerned (its default `run`
/// subcommand is the daemon, not tested here).
struct ControllerGroupStandIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controller", subcommands: [ControllerVersionCommand.self], aliases: ["c"])
}

/// Parses a command line the way `tandem` does and returns the leaf command.
func parse<C>(_ line: String, as: C.Type = C.self) throws -> C {
    let args = TandemMain.hoistingGlobalOptions(line.split(separator: " ").map(String.init))
    let command = try Root.parseAsRoot(args)
    guard let typed = command as? C else { throw ValidationError("parsed as \(type(of: command)), not \(C.self)") }
    return typed
}

func json(_ request: RestRequest) -> String { request.bodyText ?? "" }

@Suite struct RequestMappingTests {
    @Test func nodeCreateShortAndLongForms() throws {
        let c = try parse("n c --node-type Combined alpha 10.0.0.1", as: NodeCreate.self)
        let r = c.request(address: "10.0.0.1")
        #expect(r.method == .post && r.target == "/v1/nodes")
        #expect(json(r) == #"{"name":"alpha","net_interfaces":[{"address":"10.0.0.1","is_active":true,"name":"default","satellite_encryption_type":"PLAIN","satellite_port":3366}],"type":"Combined"}"#)
        let ssl = try parse("node create bravo 10.0.0.2 --communication-type ssl", as: NodeCreate.self)
        #expect(json(ssl.request(address: "10.0.0.2")).contains(#""satellite_encryption_type":"SSL","satellite_port":3367}"#))
        let ctrl = try parse("node create c1 10.0.0.3 --node-type controller", as: NodeCreate.self)
        #expect(json(ctrl.request(address: "10.0.0.3")).contains(#""satellite_port":3370"#))
        #expect(throws: (any Error).self) { try parse("n c x 1.2.3.4 --node-type router", as: NodeCreate.self) }
    }

    @Test func nodeListDeleteAndProperties() throws {
        #expect(try parse("n l", as: NodeList.self).request.target == "/v1/nodes")
        #expect(try parse("node list -n alpha bravo", as: NodeList.self).request.target == "/v1/nodes?nodes=alpha&nodes=bravo")
        let d = try parse("n d alpha", as: NodeDelete.self).request
        #expect(d.method == .delete && d.target == "/v1/nodes/alpha")
        let set = try parse("n sp alpha site dc1 --aux", as: NodeSetProperty.self).request
        #expect(set.method == .put && set.target == "/v1/nodes/alpha")
        #expect(json(set) == #"{"override_props":{"Aux/site":"dc1"}}"#)
        #expect(json(try parse("node set-property alpha Aux/site", as: NodeSetProperty.self).request) == #"{"delete_props":["Aux/site"]}"#)
    }

    @Test func storagePoolCreateInBothArgumentOrders() throws {
        let modern = try parse("sp c file_thin alpha pool0 /var/lib/tandem/pool0", as: StoragePoolCreate.self).request
        #expect(modern.target == "/v1/nodes/alpha/storage-pools")
        #expect(json(modern) == #"{"props":{"StorDriver/StorPoolName":"/var/lib/tandem/pool0"},"provider_kind":"FILE_THIN","storage_pool_name":"pool0"}"#)
        // The seed's older order: NODE POOL DRIVER DRIVER_POOL.
        let seed = try parse("storage-pool create drbd-arm swpool lvm sw_ssd", as: StoragePoolCreate.self).request
        #expect(seed.target == "/v1/nodes/drbd-arm/storage-pools")
        #expect(json(seed) == #"{"props":{"StorDriver/StorPoolName":"sw_ssd"},"provider_kind":"LVM","storage_pool_name":"swpool"}"#)
        let diskless = try parse("sp c diskless alpha nodisk", as: StoragePoolCreate.self).request
        #expect(json(diskless) == #"{"provider_kind":"DISKLESS","storage_pool_name":"nodisk"}"#)
        #expect(throws: (any Error).self) { try parse("sp c filethin alpha pool0", as: StoragePoolCreate.self) }
        #expect(throws: (any Error).self) { try parse("sp c diskless alpha p /dir", as: StoragePoolCreate.self) }
        #expect(throws: (any Error).self) { try parse("sp c raid alpha p /dir", as: StoragePoolCreate.self) }
        #expect(try parse("sp l -n alpha -s pool0", as: StoragePoolList.self).request.target == "/v1/view/storage-pools?nodes=alpha&storage_pools=pool0")
        #expect(try parse("sp d alpha pool0", as: StoragePoolDelete.self).request.target == "/v1/nodes/alpha/storage-pools/pool0")
    }

    @Test func resourceDefinitionCalls() throws {
        let c = try parse("rd c backups", as: ResourceDefinitionCreate.self).request
        #expect(c.target == "/v1/resource-definitions")
        #expect(json(c) == #"{"resource_definition":{"name":"backups"}}"#)
        let full = try parse("resource-definition create web --resource-group rg1 --port 7010 --peer-slots 3 -l drbd,storage", as: ResourceDefinitionCreate.self).request
        #expect(json(full) == #"{"drbd_peer_slots":3,"drbd_port":7010,"resource_definition":{"layer_data":[{"type":"DRBD"},{"type":"STORAGE"}],"name":"web","resource_group_name":"rg1"}}"#)
        #expect(try parse("rd l", as: ResourceDefinitionList.self).request.target == "/v1/resource-definitions")
        #expect(try parse("rd d backups", as: ResourceDefinitionDelete.self).request.target == "/v1/resource-definitions/backups")
        let sp = try parse("rd sp backups DrbdOptions/Resource/quorum majority", as: ResourceDefinitionSetProperty.self).request
        #expect(sp.method == .put && json(sp) == #"{"override_props":{"DrbdOptions/Resource/quorum":"majority"}}"#)
    }

    @Test func volumeDefinitionSizesUseByteCount() throws {
        let c = try parse("vd c backups 40G", as: VolumeDefinitionCreate.self).request
        #expect(c.target == "/v1/resource-definitions/backups/volume-definitions")
        #expect(json(c) == #"{"volume_definition":{"flags":[],"size_kib":41943040}}"#)
        #expect(json(try parse("vd c r 512MiB --vlmnr 1 --minor 1005 -s pool0 --gross", as: VolumeDefinitionCreate.self).request)
                == #"{"drbd_minor_number":1005,"volume_definition":{"flags":["GROSS_SIZE"],"props":{"StorPoolName":"pool0"},"size_kib":524288,"volume_number":1}}"#)
        #expect(json(try parse("vd c r 10", as: VolumeDefinitionCreate.self).request).contains(#""size_kib":10485760"#))  // bare number: GiB
        #expect(json(try parse("vd c r 1T", as: VolumeDefinitionCreate.self).request).contains(#""size_kib":1073741824"#))
        #expect(json(try parse("vd c r 1500", as: VolumeDefinitionCreate.self).request).contains(#""size_kib":1572864000"#))
        #expect(json(try parse("vd c r 1000B", as: VolumeDefinitionCreate.self).request).contains(#""size_kib":1"#))  // rounded up to KiB
        for bad in ["40X", "0", "0G", "-1G", "G", "1.2.3G", "99999999999999T"] {
            #expect(throws: (any Error).self, "size \(bad)") { try parse("vd c r \(bad)", as: VolumeDefinitionCreate.self) }
        }
        let resize = try parse("vd set-size backups 0 50G", as: VolumeDefinitionSetSize.self).request
        #expect(resize.method == .put && resize.target == "/v1/resource-definitions/backups/volume-definitions/0")
        #expect(json(resize) == #"{"size_kib":52428800}"#)
        #expect(try parse("vd d backups 0", as: VolumeDefinitionDelete.self).request.target == "/v1/resource-definitions/backups/volume-definitions/0")
        #expect(try parse("vd l -r a b", as: VolumeDefinitionList.self).request.target
                == "/v1/resource-definitions?with_volume_definitions=true&resource_definitions=a&resource_definitions=b")
    }

    @Test func resourceCreateOnNamedNodes() throws {
        let r = try parse("r c alpha bravo backups -s pool0", as: ResourceCreate.self).request
        #expect(r.target == "/v1/resource-definitions/backups/resources")
        #expect(json(r) == #"[{"resource":{"node_name":"alpha","props":{"StorPoolName":"pool0"}}},{"resource":{"node_name":"bravo","props":{"StorPoolName":"pool0"}}}]"#)
        #expect(json(try parse("r c charlie backups --drbd-diskless", as: ResourceCreate.self).request)
                == #"[{"resource":{"flags":["DRBD_DISKLESS"],"node_name":"charlie"}}]"#)
        #expect(json(try parse("r c charlie backups -d --node-id 3", as: ResourceCreate.self).request)
                == #"[{"drbd_node_id":3,"resource":{"flags":["DRBD_DISKLESS"],"node_name":"charlie"}}]"#)
        #expect(throws: (any Error).self) { try parse("r c backups", as: ResourceCreate.self) }
        #expect(throws: (any Error).self) { try parse("r c a b --replicas-on-same site", as: ResourceCreate.self) }
    }

    @Test func resourceCreateAutoPlaceWithPlacementOptions() throws {
        let simple = try parse("r c backups --auto-place 2", as: ResourceCreate.self).request
        #expect(simple.target == "/v1/resource-definitions/backups/autoplace")
        #expect(json(simple) == #"{"select_filter":{"place_count":2}}"#)
        let full = try parse("resource create web --auto-place 3 --storage-pool pool1 --replicas-on-same zone --replicas-on-different site,Aux/rack --do-not-place-with db --diskless-on-remaining", as: ResourceCreate.self).request
        #expect(json(full) == #"{"diskless_on_remaining":true,"select_filter":{"not_place_with_rsc":["db"],"place_count":3,"replicas_on_different":["Aux/site","Aux/rack"],"replicas_on_same":["Aux/zone"],"storage_pool_list":["pool1"]}}"#)
        #expect(json(try parse("r c web --auto-place 1 --drbd-diskless", as: ResourceCreate.self).request)
                == #"{"select_filter":{"diskless_type":"DRBD_DISKLESS","place_count":1}}"#)
        #expect(throws: (any Error).self) { try parse("r c alpha web --auto-place 2", as: ResourceCreate.self) }
        #expect(throws: (any Error).self) { try parse("r c web --auto-place 0", as: ResourceCreate.self) }
    }

    @Test func resourceListsAndDelete() throws {
        #expect(try parse("r l", as: ResourceList.self).request.target == "/v1/view/resources")
        #expect(try parse("r l -r backups -n alpha", as: ResourceList.self).request.target == "/v1/view/resources?nodes=alpha&resources=backups")
        #expect(try parse("r lv", as: ResourceListVolumes.self).request.target == "/v1/view/resources")
        #expect(try parse("resource list-volumes -s pool0", as: ResourceListVolumes.self).request.target == "/v1/view/resources?storage_pools=pool0")
        #expect(try parse("v l -n a,b", as: VolumeList.self).request.target == "/v1/view/resources?nodes=a&nodes=b")
        let d = try parse("r d alpha bravo backups", as: ResourceDelete.self).requests
        #expect(d.map(\.target) == ["/v1/resource-definitions/backups/resources/alpha", "/v1/resource-definitions/backups/resources/bravo"])
        #expect(d.allSatisfy { $0.method == .delete })
    }

    @Test func resourceGroupCalls() throws {
        let c = try parse("rg c web --place-count 3 -s pool1 --replicas-on-different site --description web-servers", as: ResourceGroupCreate.self).request
        #expect(c.target == "/v1/resource-groups")
        #expect(json(c) == #"{"description":"web-servers","name":"web","select_filter":{"place_count":3,"replicas_on_different":["Aux/site"],"storage_pool_list":["pool1"]}}"#)
        #expect(json(try parse("rg c plain", as: ResourceGroupCreate.self).request) == #"{"name":"plain"}"#)
        let spawn = try parse("rg spawn web site1 40G 1G --place-count 2", as: ResourceGroupSpawn.self).request
        #expect(spawn.target == "/v1/resource-groups/web/spawn")
        #expect(json(spawn) == #"{"definitions_only":false,"partial":false,"resource_definition_name":"site1","select_filter":{"place_count":2},"volume_sizes":[41943040,1048576]}"#)
        #expect(try parse("resource-group spawn-resources web x 1G --definitions-only", as: ResourceGroupSpawn.self).request.bodyText?.contains(#""definitions_only":true"#) == true)
        #expect(try parse("rg l", as: ResourceGroupList.self).request.target == "/v1/resource-groups")
        #expect(try parse("rg d web", as: ResourceGroupDelete.self).request.target == "/v1/resource-groups/web")
    }

    @Test func controllerVersion() throws {
        #expect(try parse("c v", as: ControllerVersionCommand.self).request.target == "/v1/controller/version")
        #expect(try parse("controller version", as: ControllerVersionCommand.self).request.target == "/v1/controller/version")
        let line = ControllerVersionCommand.render(RestControllerVersion(version: "0.1.0", gitHash: "abc", buildTime: nil, restApiVersion: "1.28.0"))
        #expect(line == "tandem controller 0.1.0; GIT-hash: abc; REST API 1.28.0\n")
    }

    @Test func globalOptionsBeforeOrAfterTheCommand() throws {
        #expect(TandemMain.hoistingGlobalOptions(["-m", "--controllers", "h:1", "n", "l"]) == ["n", "l", "-m", "--controllers", "h:1"])
        #expect(TandemMain.hoistingGlobalOptions(["--timeout=5", "n", "l", "--", "x"]) == ["n", "l", "--timeout=5", "--", "x"])
        #expect(TandemMain.hoistingGlobalOptions(["n", "l", "-m"]) == ["n", "l", "-m"])
        let before = try parse("-m --controllers h1,h2 --no-color n l", as: NodeList.self)
        #expect(before.global.machineReadable && before.global.noColor && before.global.controllers == "h1,h2")
        let after = try parse("n l --machine-readable", as: NodeList.self)
        #expect(after.global.machineReadable)
        #expect(throws: (any Error).self) { try parse("n l --controllers https://h", as: NodeList.self) }
        #expect(throws: (any Error).self) { try parse("n l --timeout 0", as: NodeList.self) }
    }

    @Test func namesArePercentEncodedInPaths() {
        let r = RestRequest(.get, ["v1", "nodes", "a b/c"], query: [("props", "Aux/site=dc 1")])
        #expect(r.target == "/v1/nodes/a%20b%2Fc?props=Aux%2Fsite%3Ddc%201")
    }
}

@Suite struct NodeDescribeMappingTests {
    @Test func describeFetchesNodesPoolsAndResourcesOfTheNamedNodes() throws {
        #expect(try parse("n dsc alpha", as: NodeDescribe.self).requests.map(\.target)
                == ["/v1/nodes?nodes=alpha", "/v1/view/storage-pools?nodes=alpha", "/v1/view/resources?nodes=alpha"])
        #expect(try parse("node describe", as: NodeDescribe.self).requests.map(\.target)
                == ["/v1/nodes", "/v1/view/storage-pools", "/v1/view/resources"])
    }
}
