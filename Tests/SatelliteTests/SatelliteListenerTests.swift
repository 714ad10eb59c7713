import Foundation
import Glibc
import ListenerTestSupport
import SatelliteLink
@testable import Satellite
import Testing

/// The satellite's controller port. Two faults of NIO's defaults, both seen in the engine first:
/// a connection accepted while the listener closes was dropped as a wrapped `NIOAsyncChannel`
/// never finished, which kills the process ("Deinited NIOAsyncWriter without calling finish()");
/// and the listening socket was inherited by child processes, so a restarted satellite could
/// not bind its port while one still ran.
@Suite("Satellite listener", .serialized)
struct SatelliteListenerTests {
    /// Start and stop the satellite over and over while clients connect as fast as they can:
    /// before the fix this crashed the test process within a few hundred rounds.
    @Test func stoppingWhileControllersDialDropsNoAcceptedConnection() async throws {
        // Below the ephemeral range, so no client socket of a parallel test takes it.
        let port = TestPorts.reserve()
        let hammer = ListenerProbe.Hammer()
        hammer.start(port: port, threads: 3)
        defer { hammer.stop.store(true, ordering: .relaxed) }
        let root = NSTemporaryDirectory() + "tandem-sat-listener-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for round in 0..<300 {
            let satellite = try await bindRetrying(root: root, port: port)
            #expect(satellite.port == port, "round \(round): listening: \(ListenerProbe.listeners(port: port))")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
            await satellite.stop()
        }
        hammer.stop.store(true, ordering: .relaxed)
        #expect(hammer.connects.load(ordering: .relaxed) > 50, "the clients got connections accepted while the listener came and went")
    }

    /// A child process spawned while the satellite listens must not keep its port: the next
    /// satellite binds it at once (before the fix: EADDRINUSE until the child exited).
    @Test func aChildSpawnedWhileListeningDoesNotHoldThePort() async throws {
        let root = NSTemporaryDirectory() + "tandem-sat-listener-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Below the ephemeral range: a port the kernel picked (port 0) is one the hammering
        // clients of parallel suites may take as their local port the moment it is free, and
        // the rebind below then failed without any child holding it.
        let port = TestPorts.reserve()
        let first = try await bindRetrying(root: root, port: port)
        #expect(first.port == port)
        ListenerProbe.spawnSleep(seconds: 5)
        await first.stop()
        // `stop` can return a moment before the listener is closed (seen: the rebind failed with
        // nobody listening any more). The retries end after 2 s, well before the 5 s child
        // exits: a child holding the port still fails this.
        let second = try await bindRetrying(root: root, port: port)
        #expect(second.port == port, "rebinding \(port) after stop; listening: \(ListenerProbe.listeners(port: port))")
        await second.stop()
    }

    /// A satellite on `port`; a port still in TIME_WAIT or held for a moment by the previous
    /// round's closing listener gets more tries, for 2 s at most: a child holding the port (5 s)
    /// still fails the caller.
    private func bindRetrying(root: String, port: Int) async throws -> InProcessSatellite {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            let satellite = try await InProcessSatellite(root: root, port: port)
            if satellite.port == port { return satellite }
            await satellite.stop()
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await InProcessSatellite(root: root, port: port)
    }

    /// A controller's connection the satellite accepted is not inherited either: the satellite
    /// spawns tools (losetup, lvcreate, zfs) all the time, and a tool that inherited the
    /// connection kept it open after the satellite dropped it.
    @Test func anAcceptedControllerConnectionStaysOutOfChildren() async throws {
        let root = NSTemporaryDirectory() + "tandem-sat-listener-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let satellite = try await InProcessSatellite(root: root)
        let port = satellite.port
        #expect(port > 0)
        let controller = ListenerProbe.connect(port: port)
        #expect(controller >= 0)
        let problem = try await ListenerProbe.inheritanceProblem("the accepted controller connection") {
            ListenerProbe.acceptedSockets(port: port)
        }
        close(controller)
        await satellite.stop()
        #expect(problem == nil)
    }

    /// The controller's side too: the session it dials to a satellite is close-on-exec (NIO's
    /// ClientBootstrap creates it without SOCK_CLOEXEC). Before CCloseOnExecSockets covered
    /// `socket()` a child spawned meanwhile (the controller runs none today, a combined node's
    /// satellite runs many in the same process) kept the session open after the controller
    /// dropped it, so the satellite never saw the hang-up.
    @Test func theControllersDialedSessionStaysOutOfChildren() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        let problem = try await ListenerProbe.inheritanceProblem("the controller's session to the satellite") {
            ListenerProbe.connectedSockets(toPort: satellite.port)
        }
        link.close()
        await satellite.stop()
        #expect(problem == nil)
    }
}
