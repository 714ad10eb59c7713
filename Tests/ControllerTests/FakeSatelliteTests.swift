import ControllerCore
import TandemModel
import Testing

@Suite struct FakeSatelliteTests {
    @Test func reportsWhatWasPushedWithCapacity() async throws {
        let fake = FakeSatelliteConnector(defaultPoolTotalKiB: 1000)
        let session = fake.open(node: "alpha", address: "10.0.0.1", port: 3366)
        var it = session.events.makeAsyncIterator()
        #expect(await it.next() == .connected(satelliteVersion: tandemSatelliteProtocolVersion))
        let desired = NodeDesiredState(generation: 7, nodeName: "alpha",
                                       storagePools: [DesiredStoragePool(name: "pool0", provider: .fileThin, driverPool: "/p")],
                                       resources: [DesiredResource(name: "r", nodeId: 0, port: 7000, diskless: false,
                                                                   volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 300, minor: 1000, storagePool: "pool0")], peers: [])])
        session.push(desired)
        guard case .actualState(let actual) = await it.next() else { Issue.record("no actual state"); return }
        #expect(actual.appliedGeneration == 7)
        #expect(actual.storagePools == [ActualStoragePool(name: "pool0", totalCapacityKiB: 1000, freeCapacityKiB: 700)])
        #expect(actual.resources.first?.volumes.first?.diskState == "UpToDate")
        session.close()
        #expect(await it.next() == nil)
    }

    @Test func unreachableAndHeldNodes() async throws {
        let fake = FakeSatelliteConnector(defaultPoolTotalKiB: nil)
        fake.setReachable("b", false)
        let session = fake.open(node: "b", address: "10.0.0.2", port: 3366)
        var it = session.events.makeAsyncIterator()
        guard case .disconnected = await it.next() else { Issue.record("expected disconnected"); return }
        fake.setApplying("b", false)
        fake.setReachable("b", true)
        #expect(await it.next() == .connected(satelliteVersion: tandemSatelliteProtocolVersion))
        session.push(NodeDesiredState(generation: 1, nodeName: "b", storagePools: [], resources: []))
        fake.setApplying("b", true)
        guard case .actualState(let a) = await it.next() else { Issue.record("expected actual state"); return }
        #expect(a.appliedGeneration == 1)
        fake.setIncompatibleVersion("b", version: "0")
        guard case .incompatibleVersion(let v, _) = await it.next() else { Issue.record("expected mismatch"); return }
        #expect(v == "0")
        session.close()
    }
}
