import ArgumentParser
import Satellite
import TandemCLI
import TandemMonitor

/// The one executable. Each subcommand is defined next to the code it drives; this list is the
/// only place they meet.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Replicated block storage: a LINSTOR-compatible controller, node agents and a user-space replication engine.",
        subcommands: ClientCommands.all + [
            ControllerGroup.self,
            SatelliteCommand.self,
            SatellitePushCommand.self,
            NBDToolCommand.self,
            EngineCommand.self,
            AdmCommand.self,
            MonitorCommand.self,
        ]
    )

    /// Exits as the linstor client does (usage errors: 2), for every subcommand.
    static func main() async { await TandemMain.run(Tandem.self) }
}
