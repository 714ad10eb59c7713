import EngineAdmin
@testable import Satellite
import SatelliteCore
import TandemModel
import Testing

@Suite struct ActualStateBuilderTests {
    let desired = DesiredResource(
        name: "r1", nodeId: 0, port: 7000, diskless: false,
        volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 65536, minor: 1000, storagePool: "pool1")],
        peers: [DesiredPeer(nodeName: "beta", nodeId: 1, address: "127.0.0.3", port: 7000, diskless: false)])

    @Test func syncingResourceShowsProgressAllocationAndExport() {
        let report = ResourceReport(
            name: "r1", nodeId: 0, nodeName: "alpha", role: "Secondary", mayPromote: false,
            volumes: [VolumeReport(volume: 0, minor: 1000, disk: "Inconsistent", client: false, quorum: true, open: true,
                                   sizeBytes: 64 << 20, backingPath: "/p/r1_00000.img", nbdExport: "nbd+unix:///r1/0?socket=/s")],
            connections: [ConnectionReport(peerNodeId: 1, peerName: "beta", connection: "Connected", peerRole: "Secondary",
                                           peerVolumes: [PeerVolumeReport(volume: 0, replication: "SyncTarget", peerDisk: "UpToDate", peerClient: false, donePercent: 45.2)])])
        let key = BackingVolumeKey(pool: "pool1", name: "r1_00000")
        let actual = ActualStateBuilder.resource(name: "r1", desired: desired, report: report, engineError: nil,
                                                 volumes: [key: (65536, 2048)], errors: [])
        #expect(actual.role == "Secondary")
        #expect(actual.inUse)
        #expect(actual.volumes == [ActualVolume(volumeNumber: 0, diskState: "Inconsistent", allocatedKiB: 2048, devicePath: nil, nbdExport: "nbd+unix:///r1/0?socket=/s",
                                                peers: [ActualPeerVolume(peerNodeName: "beta", replicationState: "SyncTarget", peerDiskState: "UpToDate", donePercent: 45.2)],
                                                sizeKiB: 65536)])
        #expect(actual.volumes.first?.displayDiskState == "SyncTarget(45.20%)")
        #expect(actual.connections == [ActualConnection(peerNodeName: "beta", connectionState: "Connected", replicationState: "SyncTarget", peerDiskState: "UpToDate", syncPercent: 45.2)])
        #expect(actual.errors.isEmpty)
    }

    @Test func eachVolumeCarriesItsOwnPeerStatesAndTheAttachedDevice() {
        let report = ResourceReport(
            name: "r1", nodeId: 0, nodeName: "alpha", role: "Primary", mayPromote: false,
            volumes: [VolumeReport(volume: 0, minor: 1000, disk: "UpToDate", client: false, quorum: true, open: true, sizeBytes: 64 << 20,
                                   backingPath: nil, nbdExport: "nbd+unix:///r1/0?socket=/s", devicePaths: ["/dev/loop7"]),
                      VolumeReport(volume: 1, minor: 1001, disk: "UpToDate", client: false, quorum: true, open: false, sizeBytes: 32 << 20,
                                   backingPath: nil, nbdExport: "nbd+unix:///r1/1?socket=/s")],
            connections: [ConnectionReport(peerNodeId: 1, peerName: "beta", connection: "Connected", peerRole: "Secondary",
                                           peerVolumes: [PeerVolumeReport(volume: 0, replication: "Established", peerDisk: "UpToDate", peerClient: false),
                                                         PeerVolumeReport(volume: 1, replication: "SyncSource", peerDisk: "Inconsistent", peerClient: false, donePercent: 3.5)])])
        var two = desired
        two.volumes.append(DesiredVolume(volumeNumber: 1, sizeKiB: 32768, minor: 1001, storagePool: "pool1"))
        let actual = ActualStateBuilder.resource(name: "r1", desired: two, report: report, engineError: nil, volumes: [:], errors: [])
        #expect(actual.volumes.map(\.devicePath) == ["/dev/loop7", nil])
        #expect(actual.volumes.map(\.sizeKiB) == [65536, 32768])
        #expect(actual.volumes[0].peers?.map(\.replicationState) == ["Established"])
        #expect(actual.volumes[1].peers == [ActualPeerVolume(peerNodeName: "beta", replicationState: "SyncSource", peerDiskState: "Inconsistent", donePercent: 3.5)])
        // The SyncSource side keeps its own disk state; only a SyncTarget shows progress there.
        #expect(actual.volumes.map(\.displayDiskState) == ["UpToDate", "UpToDate"])
    }

    @Test func unreachableEngineIsAnErrorAndStatesAreUnknown() {
        let actual = ActualStateBuilder.resource(name: "r1", desired: desired, report: nil, engineError: "cannot reach the engine at /x/admin.sock",
                                                 volumes: [:], errors: ["adjust r1 failed: …"])
        #expect(actual.role == "Unknown")
        #expect(actual.volumes.first?.diskState == "DUnknown")
        #expect(actual.errors == ["adjust r1 failed: …", "cannot reach the engine at /x/admin.sock"])
    }

    @Test func engineErrorOnTheResourceIsForwarded() {
        let report = ResourceReport(name: "r1", nodeId: 0, nodeName: "alpha", role: "Secondary", mayPromote: false,
                                    volumes: [], connections: [], error: "r1.res:3: unknown option")
        let actual = ActualStateBuilder.resource(name: "r1", desired: desired, report: report, engineError: nil, volumes: [:], errors: [])
        #expect(actual.errors == ["r1.res:3: unknown option"])
    }

    @Test func disklessResourceWithoutReportIsDiskless() {
        var client = desired
        client.diskless = true
        let actual = ActualStateBuilder.resource(name: "r1", desired: client, report: nil, engineError: nil, volumes: [:], errors: [])
        #expect(actual.volumes.first?.diskState == "Diskless")
        #expect(actual.volumes.first?.allocatedKiB == nil)
    }
}
