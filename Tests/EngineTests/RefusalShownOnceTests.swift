@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A connection the core refuses until the operator acts (split brain, unrelated data) shows
/// why on that connection in `tandem adm status` (7305179). The core also logs it as an error,
/// which became the resource's `error:` line: the same long text was printed twice, once under
/// the resource and once under the connection. It is shown once, on the connection. A peer
/// whose data is not at this node's generation is not always refused: a diskless Primary
/// exposing another generation is let in and this node is Outdated
/// (`joinBesideDisklessPrimary`, DRBD 9.1.8's downgrade of the joining disk), which the status
/// shows: the Primary reads nothing from it until a diskful replica at its generation resyncs it.
@Suite("A refused connection's reason shows once in status", .removesScratchFolders)
struct RefusalShownOnceTests {
    @Test func unrelatedDataShowsOnTheConnectionOnly() async throws {
        // The test plays the peer by stepping alpha's core, UpToDate at a generation of its own.
        let alpha = try await SteppedRuntime.startAlphaUpToDate("once", minor: 1007)
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            // A peer whose data shares no generation with this node's.
            runtime.receiveHandshake(from: 1, role: .secondary, current: Generation(0x5EED_0000_0000_0008))
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        let message = beta.message ?? ""
        #expect(beta.connection == "StandAlone" && message.contains("unrelated data"), "beta's connection says why: \(beta) \(report)")
        #expect(report.error == nil, "the same reason again as the resource's error: \(report.error ?? "")")
        let status = StatusFormatter.format([report])
        #expect(status.components(separatedBy: "unrelated data").count == 2, "printed once: \(status)")
        await alpha.stop()
    }

    @Test func joiningDisklessPrimaryAtAnotherGenerationOutdates() async throws {
        // The test plays the diskless Primary by stepping alpha's core, UpToDate at a generation of its own.
        let alpha = try await SteppedRuntime.startAlphaUpToDate("dlp", minor: 1011)
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            let mine = runtime.volumes[0]!.instance.currentGenerations
            // Another generation than alpha's: beta wrote it with other replicas.
            let exposed = Generation(mine.current.rawValue ^ 0x0F0F_0000_0000_0000)
            runtime.receiveHandshake(from: 1, role: .primary, current: exposed, diskless: true)
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        #expect(beta.connection == "Connected" && beta.peerRole == "Primary", "beta is let in: \(beta)")
        #expect(report.volumes.first?.disk == "Outdated", "alpha's data is not beta's generation: \(report.volumes)")
        #expect(StatusFormatter.format([report]).contains("disk:Outdated"), "the status text shows it")
        await alpha.stop()
    }
}
