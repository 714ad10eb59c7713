import ArgumentParser
import TandemCLICore

/// Options every client command takes, named as the linstor client names them. They may come
/// before or after the command words (`tandem -m n l`, `tandem n l -m`).
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("controllers"),
            help: ArgumentHelp("Controllers to try in order, comma-separated host[:port] or linstor://host[:port]; then those in LS_CONTROLLERS; default localhost:3370.", valueName: "list"))
    public var controllers: String?

    @Flag(name: [.customShort("m"), .customLong("machine-readable")], help: "Print the controller's JSON instead of tables and messages.")
    public var machineReadable = false

    @Flag(name: .customLong("no-color"), help: "Never colour the output (also: NO_COLOR=1; colours are only used on a terminal).")
    public var noColor = false

    @Flag(name: .customLong("no-utf8"), help: "Draw tables with ASCII characters.")
    public var noUTF8 = false

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds to wait for the controller's reply.", valueName: "seconds"))
    public var timeout: Int = 300

    @Flag(name: .customLong("warn-as-error"), help: "Exit with 10 when the controller answers with a warning.")
    public var warnAsError = false

    public init() {}

    public func validate() throws {
        guard timeout > 0 && timeout <= 86_400 else { throw ValidationError("--timeout must be between 1 and 86400 seconds, not \(timeout)") }
        do { _ = try ControllerEndpoint.list(flag: controllers, environment: nil) } catch { throw ValidationError(error.description) }
    }
}
