/// A scenario run (ScenarioRunner) driven from a Swift test that keeps every command with its
/// output, for the failure messages. Tests add their own steps in a subclass or an extension.
class RecordedScript {
    let runner = ScenarioRunner()
    var trace: [String] = []
    var text: String { trace.joined(separator: "\n") }

    @discardableResult
    func run(_ line: String) -> [String] {
        let output = runner.run(line)
        trace.append(line)
        trace += output.map { "  " + $0 }
        return output
    }

    /// Two nodes, protocol A: n0, forced Primary, acknowledged write 1 (block 0, pattern 1)
    /// before n1 had it, crashed and restarted (a crashed Primary, not yet connected again).
    func crashedProtocolAPrimary() {
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "write n0 off=0 len=4096 pattern=1", "complete n0 2", "crash n0", "restart n0"] {
            run(line)
        }
    }

    /// `cluster` (a scenario's cluster line), n0 forced Primary, block 0 written everywhere with
    /// pattern 1: where most writer scenarios start.
    func primaryWroteBlockZero(_ cluster: String) {
        for line in [cluster, "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=0 pattern=1", "stabilize"] {
            run(line)
        }
    }

    /// `cluster` (with quorum): n0 wrote block 0 everywhere, lost quorum as Primary (the
    /// `primaryLostQuorum` flag), stepped down and met its peers again at the same generation with
    /// nothing to resync: a Secondary that keeps the flag.
    func lostQuorumSecondaryN0(_ cluster: String) {
        primaryWroteBlockZero(cluster)
        for line in ["isolate n0", "stabilize", "admin n0 secondary", "stabilize", "heal", "stabilize"] {
            run(line)
        }
    }

    /// Four nodes (`cluster`): n0 wrote block 0 everywhere at G0 and stepped down; n2 crashed,
    /// n1 and n3 were cut off from each other and went Outdated at G0 on quorum loss (each
    /// reaches only n0), and n0 was promoted again with their votes. Its next write starts G1
    /// with n2 absent, which n1 and n3, Outdated, note superseded.
    func outdatedVotersPromoteN0(_ cluster: String) {
        primaryWroteBlockZero(cluster)
        for line in ["admin n0 secondary", "stabilize", "crash n2", "stabilize", "partition n1 n3", "stabilize",
                     "admin n0 primary", "stabilize"] {
            run(line)
        }
    }

    /// The client's result for request `id`: true done, false failed, nil still pending. (Four
    /// suites keep their own copy of this from before it was here.)
    func result(_ id: UInt64) -> Bool? {
        guard let result = runner.cluster?.completions[id] else { return nil }
        return result == .done
    }

    /// `admin nN primary` run to its end: its output, and whether node `n` became Primary.
    func promote(_ n: Int) -> (output: [String], promoted: Bool) {
        let output = run("admin n\(n) primary") + run("stabilize")
        return (output, output.contains { $0.hasPrefix("n\(n): resource role:Primary") })
    }
}
