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

    /// `cluster` (a scenario's cluster line), n0 forced Primary, block 0 written everywhere with
    /// pattern 1: where most writer scenarios start.
    func primaryWroteBlockZero(_ cluster: String) {
        for line in [cluster, "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=0 pattern=1", "stabilize"] {
            run(line)
        }
    }
}
