import EngineAdmin
import Foundation
import Testing

@Suite("drbdadm-style status and events2 lines")
struct StatusFormatterTests {
    static func report(replication: String = "Established", peerDisk: String = "UpToDate", done: Double? = nil,
                       secondConnection: String = "Connecting") -> ResourceReport {
        ResourceReport(
            name: "backups", nodeId: 0, nodeName: "alpha", role: "Primary", mayPromote: true,
            volumes: [VolumeReport(volume: 0, minor: 1000, disk: "UpToDate", client: false, quorum: true, open: true,
                                   sizeBytes: 1 << 30, backingPath: "/pool/backups_0", nbdExport: "nbd+unix:///backups/0?socket=/run/tandem/nbd.sock")],
            connections: [
                ConnectionReport(peerNodeId: 1, peerName: "beta", connection: "Connected", peerRole: "Secondary",
                                 peerVolumes: [PeerVolumeReport(volume: 0, replication: replication, peerDisk: peerDisk, peerClient: false,
                                                                outOfSyncBytes: 8192, donePercent: done, resyncSentBytes: 4096)]),
                ConnectionReport(peerNodeId: 2, peerName: "gamma", connection: secondConnection, peerRole: "Unknown", peerVolumes: []),
            ])
    }

    @Test("status prints what drbdadm status prints")
    func plainStatus() {
        let text = StatusFormatter.format([Self.report()])
        #expect(text == """
        backups role:Primary
          disk:UpToDate
          beta role:Secondary
            peer-disk:UpToDate
          gamma connection:Connecting

        """)
    }

    @Test("a resource that is down with an error shows the error, not a node id of -1")
    func downResourceVerbose() {
        let down = ResourceReport(name: "broken", nodeId: -1, nodeName: "", role: "Secondary", mayPromote: false,
                                  volumes: [], connections: [], error: "/x/broken.res:2: volume 0 has no 'minor'")
        #expect(StatusFormatter.format([down], verbose: true) == """
        broken role:Secondary
          error: /x/broken.res:2: volume 0 has no 'minor'

        """)
    }

    @Test("an error that starts with the resource's name does not repeat it under the resource's line")
    func errorWithoutRepeatedName() {
        var split = Self.report(secondConnection: "StandAlone")
        split.error = "backups: split brain detected with node 2 (gamma); connection is StandAlone"
        #expect(StatusFormatter.format([split]).contains("\n  error: split brain detected with node 2 (gamma); connection is StandAlone\n"))
        split.error = "backupsX: a message about another name"
        #expect(StatusFormatter.format([split]).contains("\n  error: backupsX: a message about another name\n"))
    }

    @Test("a resync shows replication and done; statistics add KiB counters")
    func resyncStatus() {
        let text = StatusFormatter.format([Self.report(replication: "SyncSource", peerDisk: "Inconsistent", done: 37.5)], statistics: true)
        #expect(text.contains("    replication:SyncSource peer-disk:Inconsistent done:37.50 received:0 sent:0 out-of-sync:8 rs-sent:4 rs-received:0"))
    }

    @Test("events: dump ends with 'exists -', diffs carry only what changed")
    func events() {
        let a = Self.report(), b = Self.report(replication: "SyncSource", peerDisk: "Inconsistent", done: 12.345)
        let dump = EventStream.dump([a])
        #expect(dump.last?.line == "exists -")
        #expect(dump.first?.line == "exists resource name:backups role:Primary suspended:no may_promote:yes promotion_score:1")
        let diff = EventStream.diff(old: [a], new: [b])
        #expect(diff.map(\.line) == ["change peer-device name:backups peer-node-id:1 conn-name:beta volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no resync-suspended:no done:12.34"])
        #expect(EventStream.diff(old: [a], new: [a]).isEmpty)
        let gone = EventStream.diff(old: [a], new: [])
        #expect(gone.first?.line == "destroy connection name:backups peer-node-id:2 conn-name:gamma")
        #expect(gone.last?.line == "destroy resource name:backups")
        let born = EventStream.diff(old: [], new: [a])
        #expect(born.first?.kind == "create" && born.first?.object == "resource")
        #expect(born.count == dump.count - 1)
    }

    @Test("events --statistics: lines carry the counters; traffic alone makes no line; a resync step shows rate and ETA")
    func eventsWithStatistics() {
        var idle = Self.report()
        idle.volumes[0].writtenBytes = 4 << 20
        let dump = EventStream.dump([idle], statistics: true)
        #expect(dump.contains { $0.line == "exists device name:backups volume:0 minor:1000 backing_dev:/pool/backups_0 disk:UpToDate client:no quorum:yes open:yes nbd:nbd+unix:///backups/0?socket=/run/tandem/nbd.sock size:1048576 read:0 written:4096" })
        #expect(dump.contains { $0.line == "exists peer-device name:backups peer-node-id:1 conn-name:beta volume:0 replication:Established peer-disk:UpToDate peer-client:no resync-suspended:no received:0 sent:0 out-of-sync:8 rs-sent:4 rs-received:0" })
        // Without --statistics the same dump has no counters.
        #expect(!EventStream.dump([idle]).contains { $0.line.contains("written:") })

        var busier = idle
        busier.volumes[0].writtenBytes = 8 << 20
        busier.connections[0].peerVolumes[0].sentBytes = 4 << 20
        #expect(EventStream.diff(old: [idle], new: [busier], statistics: true).isEmpty)

        var syncing = Self.report(replication: "SyncSource", peerDisk: "Inconsistent", done: 40)
        syncing.connections[0].peerVolumes[0].resyncBytesPerSecond = 96 << 20
        syncing.connections[0].peerVolumes[0].etaSeconds = 7
        var later = syncing
        later.connections[0].peerVolumes[0].donePercent = 55
        later.connections[0].peerVolumes[0].etaSeconds = 5
        let step = EventStream.diff(old: [syncing], new: [later], statistics: true).map(\.line)
        #expect(step == ["change peer-device name:backups peer-node-id:1 conn-name:beta volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no resync-suspended:no done:55.00 received:0 sent:0 out-of-sync:8 rs-sent:4 rs-received:0 dbdt1:96 eta:5"])
        #expect(EventStream.diff(old: [syncing], new: [later]).map(\.line) == ["change peer-device name:backups peer-node-id:1 conn-name:beta volume:0 replication:SyncSource peer-disk:Inconsistent peer-client:no resync-suspended:no done:55.00"])
    }

    @Test("an events request from a client that predates --statistics still decodes")
    func olderEventsRequestDecodes() throws {
        let line = #"{"version":1,"verb":"events","resource":"backups","discardMyData":false,"force":false,"now":true}"#
        let request = try JSONDecoder().decode(AdminRequest.self, from: Data(line.utf8))
        #expect(request.statistics == nil && request.now)
    }
}
