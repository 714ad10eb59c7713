import ArgumentParser
import Foundation

/// Output helpers for places without a session.
enum FileHandleOutput {
    static func stderr(_ text: String) { StandardStreams.err(text) }
}

/// The executable's entry point, shared by every subcommand: parses, runs, and exits the way
/// the linstor client does — usage errors exit with 2 (argparse's code) instead of
/// swift-argument-parser's 64, so scripts written for linstor keep working.
public enum TandemMain {
    /// On the main actor: parsing and `prepareProcess` run on the main thread before the command
    /// runs, so before any other thread of the process exists (see `ProcessPreparing`).
    @MainActor
    public static func run<Root: AsyncParsableCommand>(_ root: Root.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        var command: ParsableCommand
        do {
            command = try Root.parseAsRoot(hoistingGlobalOptions(arguments))
        } catch {
            if Root.exitCode(for: error) == .validationFailure {
                FileHandleOutput.stderr(Root.fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            Root.exit(withError: error)
        }
        (type(of: command) as? any ProcessPreparing.Type)?.prepareProcess()
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            // A failure while running is not a usage error: say what went wrong, without the
            // usage text swift-argument-parser would append for the root command. Errors the
            // parser itself raises here (help requests from command groups, usage errors) keep
            // its handling.
            let code = Root.exitCode(for: error)
            if code == .validationFailure {
                FileHandleOutput.stderr(Root.fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            guard code == .failure else { Root.exit(withError: error) }
            FileHandleOutput.stderr("Error: \(error)\n")
            Foundation.exit(code.rawValue)
        }
    }

    /// The linstor client takes its global options before the command words (`linstor -m n l`,
    /// `linstor --controllers h n l`); swift-argument-parser wants options after the command
    /// that declares them. Leading global options are therefore moved behind the command words.
    public static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        let flags: Set<String> = ["-m", "--machine-readable", "--no-color", "--no-utf8", "--warn-as-error"]
        let withValue: Set<String> = ["--controllers", "--timeout"]
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            if flags.contains(arg) || withValue.contains(where: { arg.hasPrefix($0 + "=") }) {
                leading.append(arg); index += 1
            } else if withValue.contains(arg), index + 1 < arguments.count {
                leading += [arg, arguments[index + 1]]; index += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        let rest = Array(arguments[index...])
        // Keep a literal "--" (end of options) last so the moved options stay options.
        if let dashes = rest.firstIndex(of: "--") {
            return Array(rest[..<dashes]) + leading + Array(rest[dashes...])
        }
        return rest + leading
    }
}
