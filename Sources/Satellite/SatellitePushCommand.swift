import ArgumentParser
import DescriptorIO
import Foundation
import SatelliteLink
import Synchronization
import TandemModel

/// `tandem satellite-push`: hands one satellite a desired state without a controller and
/// prints what it reports. A diagnostic for people and for the integration tests (it speaks the
/// same protocol, through the same link, as the controller).
public struct SatellitePushCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "satellite-push",
        abstract: "Send a node's desired state (JSON) to a satellite and print its actual state (diagnostic).",
        discussion: """
            Connects to ADDR:PORT as a controller would, sends the NodeDesiredState read from
            --desired (a file, or - for stdin), and waits until the satellite reports exactly
            that generation as applied (and, with --until-disk, until every volume has that disk
            state). Prints the last actual state as JSON. Exits 1 when the wait times out.
            Do not use it on a node a running controller manages: the next controller push wins.
            """,
        shouldDisplay: false
    )

    @Option(name: .long, help: "The satellite's address, ADDR:PORT (e.g. 127.0.0.2:3366).")
    var address: String

    @Option(name: .long, help: "File with the NodeDesiredState JSON, or - for stdin.")
    var desired: String

    @Option(name: .long, help: "Also wait until every volume reports this disk state (e.g. UpToDate).")
    var untilDisk: String?

    @Option(name: .long, help: "Seconds to wait.")
    var timeout: Double = 60

    public init() {}

    public func run() async throws {
        let (host, port) = try SatelliteCommand.parseListen(address)
        let data: Data
        do {
            data = desired == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: desired))
        } catch {
            throw ValidationError("cannot read --desired \(desired): \(error.localizedDescription)")
        }
        let state: NodeDesiredState
        do {
            state = try JSONDecoder().decode(NodeDesiredState.self, from: data)
        } catch {
            throw ValidationError("--desired \(desired) is not a NodeDesiredState: \(error)")
        }
        let link = SatelliteLinkSession(node: state.nodeName, host: host, port: port)
        defer { link.close() }
        let untilDisk = self.untilDisk
        let lastSeen = LastSeen()
        let outcome = await withTaskGroup(of: (NodeActualState?, String?).self) { group in
            group.addTask {
                var last: NodeActualState?
                var lastProblem: String?
                for await event in link.events {
                    switch event {
                    case .connected: link.push(state)
                    case .incompatibleVersion(_, let reason): return (nil, reason)
                    case .disconnected(let reason): lastProblem = reason
                    case .actualState(let actual):
                        last = actual
                        lastSeen.state.withLock { $0 = actual }
                        if Self.answers(actual, generation: state.generation, untilDisk: untilDisk) { return (actual, nil) }
                    }
                }
                return (last, lastProblem)
            }
            group.addTask { [timeout] in
                try? await Task.sleep(for: .seconds(timeout))
                return (nil, "timeout")
            }
            defer { group.cancelAll() }
            let first = await group.next() ?? (nil, "no answer")
            group.cancelAll()
            link.close()
            return first
        }
        if let actual = outcome.0, outcome.1 == nil {
            print(try Self.json(actual))
            return
        }
        if let last = lastSeen.state.withLock({ $0 }) {
            // Not FileHandle.write: it traps when the write fails.
            try? DescriptorWriter.writeAll("last report:\n" + (try Self.json(last)) + "\n", to: STDERR_FILENO)
        }
        throw PushFailure(message: "satellite-push: no matching report from \(address) within \(timeout) s\(outcome.1.map { " (\($0))" } ?? "")")
    }

    /// Whether `actual` is the satellite's answer to the pushed `generation`: that generation
    /// applied (and, with `untilDisk`, every volume in that disk state).
    ///
    /// Exactly that generation, not a later one: a satellite a controller drove before holds the
    /// controller's generation (microseconds since the epoch), far above a hand-written one, and
    /// the report it sends as the session opens — before it read the push — would otherwise count
    /// as the answer (the satellite tier once read such a report and missed the pools it pushed).
    static func answers(_ actual: NodeActualState, generation: UInt64, untilDisk: String?) -> Bool {
        guard actual.appliedGeneration == generation else { return false }
        guard let disk = untilDisk else { return true }
        let all = actual.resources.flatMap(\.volumes)
        return !all.isEmpty && all.allSatisfy { $0.diskState == disk }
    }

    static func json(_ state: NodeActualState) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }
}

final class LastSeen: Sendable {
    let state = Mutex<NodeActualState?>(nil)
}

struct PushFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
