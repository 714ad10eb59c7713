import ControllerCore
import TandemModel
import Testing

/// Issue 2 item 2: an exhausted minor or replication-port range is a clear error, never a
/// silent reuse, and the refused request changes nothing.
@Suite struct NumberRangeExhaustionTests {
    @Test func allMinorsTakenRefusesANewVolumeDefinition() throws {
        var s = try ClusterStateTests.cluster()
        let ctx = ClusterStateTests.ctx()
        // One definition holding every minor of the range (as if loaded from a full database).
        let all = ClusterDefaults.minorRange.map { VolumeDefinitionRecord(number: $0, sizeKiB: 1024, minor: $0, props: [:], flags: [], uuid: "u") }
        s.apply(.upsertResourceDefinition(ResourceDefinitionRecord(name: "full", externalName: nil, resourceGroup: ClusterDefaults.resourceGroup, props: [:],
                                                                   flags: [], peerSlots: 7, secret: "s", layerStack: [], volumeDefinitions: all, uuid: "u")))
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "late"), ctx: ctx)
        _ = s.takeJournal()
        do {
            _ = try s.createVolumeDefinition("late", VolumeDefinitionCreate(sizeKiB: 1024), ctx: ctx)
            Issue.record("a volume definition was created with every minor taken")
        } catch {
            #expect(error.rcs.first?.code == 801)
            #expect(error.rcs.first?.message.contains("All minor numbers (1000–49999) are in use") == true, "\(error)")
        }
        #expect(s.journal.isEmpty && s.resourceDefinition("late")?.volumeDefinitions.isEmpty == true)
    }

    @Test func allPortsOfANodeTakenRefusesAnotherResourceThere() throws {
        var s = try ClusterStateTests.cluster()
        let ctx = ClusterStateTests.ctx()
        for port in ClusterDefaults.tcpPortRange {
            s.apply(.upsertResource(ResourceRecord(resourceName: "r\(port)", nodeName: "alpha", nodeId: 0, tcpPort: port, flags: [],
                                                   props: ["StorPoolName": "pool0"], createdMillis: 1, uuid: "u")))
        }
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "late"), ctx: ctx)
        _ = try s.createVolumeDefinition("late", VolumeDefinitionCreate(sizeKiB: 1024), ctx: ctx)
        _ = s.takeJournal()
        do {
            _ = try s.createResources("late", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "pool0"])], ctx: ctx)
            Issue.record("a resource was placed on a node with every port taken")
        } catch {
            #expect(error.rcs.first?.code == 802)
            #expect(error.rcs.first?.message.contains("on node 'alpha' are in use") == true, "\(error)")
        }
        #expect(s.journal.isEmpty && s.resource("late", node: "alpha") == nil)
        // Another node still has every port.
        _ = try s.createResources("late", [ResourceCreate(nodeName: "bravo", props: ["StorPoolName": "pool0"])], ctx: ctx)
        #expect(s.resource("late", node: "bravo")?.tcpPort == 7000)
    }
}
