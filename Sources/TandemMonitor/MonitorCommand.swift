import ArgumentParser
import DescriptorIO
import Dispatch
import EngineAdmin
import EngineAdminClient
import EngineConfig
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `tandem monitor`: a live terminal view of this node's engine, like drbdmon. It polls the
/// engine's admin socket and redraws in place on the alternate screen; `q`, Ctrl-C or SIGTERM
/// restore the terminal and exit.
public struct MonitorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Live view of this node's replication: resources, roles, disk and peer states, resync progress (like drbdmon).",
        discussion: """
            Reads the local engine's admin socket (under --state-dir) and redraws every --interval \
            seconds. Press q or Ctrl-C to quit. With --once, or when the output is not a terminal, \
            prints one frame without colours and exits (exit 1 if the engine cannot be reached).
            """
    )

    @Option(name: .customLong("state-dir"), help: "The engine's state folder (its admin socket is run/admin.sock inside).")
    var stateDirectory: String = EngineStateLayout.defaultStateDirectory

    @Option(help: "Seconds between redraws (0.1 to 60).")
    var interval: Double = 1.0

    @Flag(help: "Print one frame and exit.")
    var once = false

    public init() {}

    public func validate() throws {
        guard interval >= 0.1, interval <= 60 else {
            throw ValidationError("--interval must be between 0.1 and 60 seconds, not \(interval)")
        }
    }

    public func run() async throws {
        let client = EngineAdminClient(layout: EngineStateLayout(stateDirectory: stateDirectory))
        if once || isatty(STDOUT_FILENO) == 0 {
            let reports: [ResourceReport]
            do {
                reports = try await client.status(nil)
            } catch {
                // Not FileHandle.write: it traps when the write fails.
                try? DescriptorWriter.writeAll("tandem monitor: \(error)\n", to: STDERR_FILENO)
                throw ExitCode(1)
            }
            let screen = MonitorScreen(width: 400, color: false)
            print(screen.render(reports, header: header()).joined(separator: "\n"))
            return
        }
        let terminal = TerminalSession()
        terminal.enter()
        defer { terminal.leave() }
        while !terminal.quitRequested {
            var lines: [String]
            let screen = MonitorScreen(width: terminal.width(), color: ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
            do {
                lines = screen.render(try await client.status(nil), header: header())
            } catch {
                lines = screen.renderUnreachable("\(error)", header: header(), retrySeconds: interval)
            }
            terminal.draw(lines)
            // Sleep in short steps so a key press quits at once.
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(interval * 1e9)
            while !terminal.quitRequested, DispatchTime.now().uptimeNanoseconds < deadline {
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }

    func header() -> String {
        let host = ProcessInfo.processInfo.hostName
        let time = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
        return "tandem monitor — \(host) — \(time) — every \(interval) s"
    }
}

/// The terminal while the monitor runs: alternate screen, no echo, no line buffering, hidden
/// cursor; everything restored by `leave()`, whichever way the monitor ends.
final class TerminalSession: Sendable {
    private let state = Mutex<(saved: termios?, quit: Bool, sources: [DispatchSourceSignal])>((nil, false, []))

    var quitRequested: Bool { state.withLock { $0.quit } }

    func enter() {
        var saved = termios()
        let haveTermios = tcgetattr(STDIN_FILENO, &saved) == 0
        if haveTermios {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        }
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.requestQuit() }
            source.resume()
            sources.append(source)
        }
        state.withLock { $0 = (haveTermios ? saved : nil, false, sources) }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
        // Keys arrive on a thread of their own: a blocking read of one byte at a time.
        let keyReader = Thread { [weak self] in
            var byte: UInt8 = 0
            while read(STDIN_FILENO, &byte, 1) == 1 {
                if byte == UInt8(ascii: "q") || byte == UInt8(ascii: "Q") || byte == 3 { self?.requestQuit(); return }
            }
        }
        keyReader.start()
    }

    func requestQuit() { state.withLock { $0.quit = true } }

    func leave() {
        let saved = state.withLock { s -> termios? in
            s.sources.forEach { $0.cancel() }
            return s.saved
        }
        write("\u{1B}[?25h\u{1B}[?1049l")
        if var saved { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }

    func width() -> Int {
        var size = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// Redraws in place: home the cursor, each line erased to its end, then the rest of the screen.
    func draw(_ lines: [String]) {
        write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    /// A terminal that cannot be written to any more (closed, hung up) loses the frame; the
    /// next redraw tries again.
    private func write(_ s: String) {
        try? DescriptorWriter.writeAll(s, to: STDOUT_FILENO)
    }
}
