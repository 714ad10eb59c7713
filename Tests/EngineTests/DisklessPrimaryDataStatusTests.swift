@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A diskful node joining a diskless Primary that exposes another generation than its data's
/// is Outdated (`joinBesideDisklessPrimary`, DRBD 9.1.8's downgrade of the joining disk), and
/// `tandem adm status` shows it: the Primary reads nothing from it, and an operator sees why its
/// data no longer counts until a diskful replica at the Primary's generation resyncs it.
@Suite("A diskful node joins a diskless Primary at another generation Outdated", .removesScratchFolders)
struct DisklessPrimaryDataStatusTests {
    @Test func joiningDisklessPrimaryAtAnotherGenerationOutdates() async throws {
        // The test plays the diskless Primary by stepping alpha's core.
        let port = SteppedRuntime.port()
        let alpha = try await SteppedRuntime.start("dlp", minor: 1011, on: .init(name: "alpha", id: 0, port: port),
                                                   peers: [.init(name: "beta", id: 1, port: port + 1)])
        // UpToDate at a generation of its own (a forced promotion), then Secondary again.
        #expect(await alpha.adminAll(.primary(force: true)) == .done)
        #expect(await alpha.adminAll(.secondary) == .done)
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            let mine = runtime.volumes[0]!.instance.currentGenerations
            // Another generation than alpha's: beta wrote it with other replicas.
            let exposed = Generation(mine.current.rawValue ^ 0x0F0F_0000_0000_0000)
            let beta = Handshake(nodeID: NodeID(1), volume: 0, sizeBytes: 0, bitmapBlockBytes: 4096, role: .primary,
                                 disk: .diskless, generations: GenerationSet(current: exposed), flags: [],
                                 outOfSyncBlocks: 0, hasQuorum: true)
            runtime.step(0, .transportUp(NodeID(1)))
            runtime.step(0, .message(.handshake(beta), from: NodeID(1)))
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        #expect(beta.connection == "Connected" && beta.peerRole == "Primary", "beta is let in: \(beta)")
        #expect(report.volumes.first?.disk == "Outdated", "alpha's data is not beta's generation: \(report.volumes)")
        #expect(StatusFormatter.format([report]).contains("disk:Outdated"), "the status text shows it")
        await alpha.stop()
    }
}
