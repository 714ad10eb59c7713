import Testing
@testable import ReplicationCore

/// The generations a writer left behind (`ReplicaInstance.supersededGenerations`, the
/// promotion-vote rule of session 5) must survive a restart of the nodes that remember them,
/// or the restart reopens the hole they close.
///
/// Five replicas, quorum majority. n2 and n4 resync from the Primary n0 (Inconsistent, still at
/// the old generation). n0 loses n1 and n3 and writes at a new generation that n2 and n4
/// acknowledge without moving to it: n0, n2 and n4 are the writer's majority. n0 crashes. n1
/// and n3 (UpToDate at the old generation) with n2 and n4 are a majority too; n2 and n4 are the
/// nodes both share and refuse to vote for n1, which lacks n0's acknowledged write. A rolling
/// restart of n2 and then n4 (n1 keeps quorum throughout, so its quorum-loss Outdated mark does
/// not step in as it does with three replicas) makes both forget — and each restarted node,
/// Inconsistent at the same generation as n1, is even resynced from n1's older data — so n1 is
/// granted and becomes Primary without the acknowledged write (n0 comes back to a split brain).
/// That happened while the list lived in memory only. It is now in the durable metadata header
/// (format 2, after `bitmapPeers`), restored when the core starts from it, and made durable
/// before this replica acknowledges a write of the newer generation.
@Suite("Superseded generations across a restart")
struct SupersededRestartTests {
    static let setup = [
        "cluster nodes=5 size=64K quorum=majority", "connect-all", "stabilize",
        "admin n0 primary force", "stabilize",
        "write n0 off=0 len=4096 pattern=1", "stabilize",
        "admin n2 invalidate", "admin n4 invalidate",
        "partition n0 n1", "partition n0 n3",
        "write n0 off=8192 len=4096 pattern=2",
        "complete n0 4",
        "complete n2 4", "deliver n0 n2", "deliver n0 n2", "deliver n0 n2", "complete n2 4",
        "complete n4 4", "deliver n0 n4", "deliver n0 n4", "deliver n0 n4", "complete n4 4",
        "deliver n2 n0", "deliver n2 n0", "deliver n2 n0", "deliver n2 n0", "deliver n2 n0", "deliver n2 n0", "deliver n2 n0",
        "deliver n4 n0", "deliver n4 n0", "deliver n4 n0", "deliver n4 n0", "deliver n4 n0", "deliver n4 n0", "deliver n4 n0",
        "complete n0 4",
        "crash n0", "stabilize",
    ]


    /// Runs the setup; the trace must show n0's write at the new generation acknowledged.
    static func afterAcknowledgedWriteAndCrash() -> ScenarioRunner {
        let runner = ScenarioRunner()
        var trace: [String] = []
        for command in setup { trace += runner.run(command) }
        #expect(trace.contains("n0: client c2 done"), "the setup no longer gets n0's write acknowledged by n2 and n4:\n\(trace.joined(separator: "\n"))")
        return runner
    }

    static func promote(_ runner: ScenarioRunner) -> [String] {
        runner.run("admin n1 primary") + runner.run("stabilize")
    }


    @Test("a replica left behind writes the superseded generation durably before it writes (and acknowledges) the newer one's data")
    func supersededGenerationDurableBeforeAcknowledging() throws {
        let runner = ScenarioRunner()
        // The setup up to n0's write at the new generation reaching n2 (announcement, then write).
        let reachesN2 = try #require(Self.setup.firstIndex(of: "complete n2 4").map { $0 + 4 })
        for command in Self.setup[..<reachesN2] { _ = runner.run(command) }
        let n2 = try #require(runner.cluster?.nodes[2])
        let superseded = n2.pending.contains {
            if case .writeMetadata(_, let update) = $0 { return !update.header.supersededGenerations.isEmpty }
            return false
        }
        let newerWrite = n2.pending.contains {
            if case .write(_, let offset, _, _) = $0 { return offset == 8192 }
            return false
        }
        #expect(superseded, "n2 did not write the generation it was left behind at: \(n2.pending)")
        // Were the data on its way beside the metadata, a crash after its acknowledgement and
        // before the metadata landed would forget the generation with the write acknowledged.
        #expect(!newerWrite, "n2 wrote n0's write of the newer generation before its superseded generation was durable: \(n2.pending)")
        _ = runner.run("complete n2 1")
        #expect(runner.cluster!.nodes[2].pending.contains {
            if case .write(_, let offset, _, _) = $0 { return offset == 8192 }
            return false
        }, "n2 did not write n0's write once the metadata was durable")
    }

    @Test("without a restart, n2 and n4 refuse to vote for n1 (the rule the restart loses)")
    func votersRefuseWithoutRestart() {
        let answer = Self.promote(Self.afterAcknowledgedWriteAndCrash())
        #expect(answer.contains { $0.hasPrefix("n1: admin refused") && $0.contains("has not yet received the newer data") },
                "\(answer.joined(separator: "\n"))")
    }

    @Test("restarted voters still refuse a replica lacking the writer's acknowledged data")
    func restartedVotersRememberTheSupersededGeneration() {
        let runner = Self.afterAcknowledgedWriteAndCrash()
        // A rolling restart: n1 keeps quorum (four of five, then four again) throughout.
        for command in ["crash n2", "restart n2", "stabilize", "crash n4", "restart n4", "stabilize"] { _ = runner.run(command) }
        let answer = Self.promote(runner)
        #expect(answer.contains { $0.hasPrefix("n1: admin refused") && $0.contains("has not yet received the newer data") },
                "n1 was promoted without n0's acknowledged write:\n\(answer.joined(separator: "\n"))")
    }

    @Test("a restarted voter resynced from a stale peer refuses its own promotion")
    func restartedVoterRefusesItsOwnPromotion() {
        let runner = Self.afterAcknowledgedWriteAndCrash()
        // After the rolling restart n2 and n4 are resynced from n1 (UpToDate at the generation
        // n0 moved past). With n4 down, n2 with n1 and n3 is a majority holding no node that
        // refuses: only n2's own memory of the superseded generation stops it.
        for command in ["crash n2", "restart n2", "stabilize", "crash n4", "restart n4", "stabilize", "crash n4"] { _ = runner.run(command) }
        let answer = runner.run("admin n2 primary") + runner.run("stabilize")
        #expect(answer.contains { $0.hasPrefix("n2: admin refused") && $0.contains("which a Primary moved past") },
                "n2 was promoted without n0's acknowledged write:\n\(answer.joined(separator: "\n"))")
    }
}
