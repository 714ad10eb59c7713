@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A diskful node refuses a diskless Primary exposing another generation than its data's
/// (`disklessPrimaryDataRefusal`, DRBD's "Can only connect to data with current UUID") and says
/// so on that connection in `tandem adm status`: the refusal repeats every retry until a resync
/// brings this node to the Primary's generation, and in the log alone it scrolls away.
@Suite("Diskless-Primary data refusal on the connection's status", .removesScratchFolders)
struct DisklessPrimaryDataStatusTests {
    @Test func disklessPrimaryAtAnotherGenerationShowsOnItsConnection() async throws {
        // The test plays the diskless Primary by stepping alpha's core.
        let port = SteppedRuntime.port()
        let alpha = try await SteppedRuntime.start("dlp", minor: 1011, on: .init(name: "alpha", id: 0, port: port),
                                                   peers: [.init(name: "beta", id: 1, port: port + 1)])
        // UpToDate at a generation of its own (a forced promotion), then Secondary again.
        #expect(await alpha.adminAll(.primary(force: true)) == .done)
        #expect(await alpha.adminAll(.secondary) == .done)
        let (report, alphaCurrent) = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> (ResourceReport, Generation) in
            let mine = runtime.volumes[0]!.instance.currentGenerations
            // A child of alpha's generation that alpha never received: beta wrote it elsewhere.
            let exposed = Generation(mine.current.rawValue ^ 0x0F0F_0000_0000_0000)
            let beta = Handshake(nodeID: NodeID(1), volume: 0, sizeBytes: 0, bitmapBlockBytes: 4096, role: .primary,
                                 disk: .diskless, generations: GenerationSet(current: exposed), flags: [],
                                 outOfSyncBlocks: 0, hasQuorum: true)
            runtime.step(0, .transportUp(NodeID(1)))
            runtime.step(0, .message(.handshake(beta), from: NodeID(1)))
            return (runtime.report(nbdSocketPath: nil), mine.current)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        let message = beta.message ?? ""
        #expect(beta.connection == "Connecting", "beta is refused and retried later: \(beta)")
        #expect(message.contains("node 1 (beta) is a diskless Primary for dlp exposing generation")
                    && message.contains("this node (alpha) holds generation \(alphaCurrent)"),
                "beta's connection says which generations keep it down: \(message)")
        #expect(StatusFormatter.format([report]).contains("message: \(message)"), "the status text prints it")
        await alpha.stop()
    }
}
