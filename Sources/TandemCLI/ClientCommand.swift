import ArgumentParser
import TandemCLICore

/// A `tandem` subcommand that talks to the controller. It turns its arguments into requests
/// (pure, tested without a network) and lets the session send them and print the results.
public protocol ClientCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    /// Returns the exit code (0, or 10 when the controller reported an error).
    func execute(in session: Session) async throws(CLIError) -> Int32
}

extension ClientCommand {
    public mutating func run() async throws {
        let code: Int32
        do {
            let session = try Session(options: global)
            code = try await execute(in: session)
        } catch {
            if !error.message.isEmpty { FileHandleOutput.stderr("Error: " + error.message + "\n") }
            throw ExitCode(error.exitCode)
        }
        if code != ExitStatus.ok { throw ExitCode(code) }
    }
}

/// Repeated LINSTOR list filters (`?nodes=a&nodes=b`), skipping empty ones.
func filters(_ pairs: [(String, [String])]) -> [(String, String)] {
    pairs.flatMap { key, values in values.flatMap(splitList).map { (key, $0) } }
}

/// `a,b` and `a b` style values both become separate entries.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
