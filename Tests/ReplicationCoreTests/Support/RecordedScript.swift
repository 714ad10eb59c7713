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
}
