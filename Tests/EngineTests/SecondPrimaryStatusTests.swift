@testable import Engine
import EngineAdmin
import ReplicationCore
import ScratchFolders
import Testing

/// A connection the core defers (retried every `connectRetryTicks`) says why on that connection
/// in `tandem adm status`: in the log alone the warning scrolls away while the connection keeps
/// being refused every retry. A node connected to a Primary drops a second Primary's connection
/// (one Primary per connected cluster), naming the Primaries to choose from; a peer that
/// replicates with another protocol (A/C) than this node is not connected (protocol 10).
@Suite("A deferred connection's reason on its status", .removesScratchFolders)
struct SecondPrimaryStatusTests {
    @Test func refusedSecondPrimaryShowsOnItsConnection() async throws {
        // The test plays both peers' side of the protocol by stepping gamma's core.
        let port = SteppedRuntime.port()
        let gamma = try await SteppedRuntime.start("twop", minor: 1006, on: .init(name: "gamma", id: 2, port: port),
                                                   peers: [.init(name: "alpha", id: 0, port: port + 1), .init(name: "beta", id: 1, port: port + 2)])
        let report = try await ClientRequestBatchTests.onLoop(gamma) { runtime -> ResourceReport in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            for peer: UInt8 in [0, 1] { runtime.receiveHandshake(from: peer, role: .primary, current: current) }
            return runtime.report(nbdSocketPath: nil)
        }
        let alpha = try #require(report.connections.first { $0.peerNodeId == 0 })
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        #expect(alpha.connection == "Connected" && alpha.peerRole == "Primary", "gamma took alpha, the first Primary: \(alpha)")
        #expect(alpha.message == nil, "alpha's connection is up and says nothing: \(alpha.message ?? "")")
        #expect(beta.connection == "Connecting", "beta is refused and retried later: \(beta)")
        let message = beta.message ?? ""
        #expect(message.contains("node 1 (beta) is Primary for twop and node 0 (alpha), connected here, is Primary")
                    && message.contains("'tandem adm secondary twop' on beta or on alpha"),
                "beta's connection says which Primaries keep it down and how to connect it: \(message)")
        #expect(StatusFormatter.format([report]).contains("message: \(message)"), "the status text prints it")
        await gamma.stop()
    }

    @Test func protocolMismatchShowsOnTheConnection() async throws {
        // The test plays the peer by stepping alpha's core; alpha uses the default, protocol C.
        let port = SteppedRuntime.port()
        let alpha = try await SteppedRuntime.start("proto", minor: 1008, on: .init(name: "alpha", id: 0, port: port),
                                                   peers: [.init(name: "beta", id: 1, port: port + 1)])
        let report = try await ClientRequestBatchTests.onLoop(alpha) { runtime -> ResourceReport in
            let current = runtime.volumes[0]!.instance.currentGenerations.current
            runtime.receiveHandshake(from: 1, role: .secondary, current: current, replicationProtocol: .a)
            return runtime.report(nbdSocketPath: nil)
        }
        let beta = try #require(report.connections.first { $0.peerNodeId == 1 })
        let message = beta.message ?? ""
        #expect(beta.connection != "Connected", "\(beta)")
        #expect(message.contains("replicates with protocol A and this node with protocol C"), "\(beta)")
        #expect(report.error == nil, "\(report.error ?? "")")
        let status = StatusFormatter.format([report])
        #expect(status.components(separatedBy: "replicates with protocol A").count == 2, "printed once: \(status)")
        await alpha.stop()
    }
}
