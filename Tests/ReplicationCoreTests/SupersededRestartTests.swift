import Testing
@testable import ReplicationCore

/// Reproducer (habit 8) of an open hole: the generations a writer left behind
/// (`ReplicaInstance.supersededGenerations`, the promotion-vote rule of session 5) live in
/// memory only, so restarting the nodes that remember them reopens the hole they close.
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
/// Fix (not done): keep the list in the durable metadata header (a list after `bitmapPeers`,
/// header format 2) and make it durable before this replica acknowledges a write of the newer
/// generation (the session-6 misc report has the details).
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
        withKnownIssue("superseded generations are kept in memory only; a restart forgets them") {
            #expect(answer.contains { $0.hasPrefix("n1: admin refused") && $0.contains("has not yet received the newer data") },
                    "n1 was promoted without n0's acknowledged write:\n\(answer.joined(separator: "\n"))")
        }
    }
}
