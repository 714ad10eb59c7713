import Foundation
import Glibc
import ListenerTestSupport
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
        let port = Int.random(in: 20000...29000)
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
        let first = try await InProcessSatellite(root: root)
        let port = first.port
        #expect(port > 0)
        ListenerProbe.spawnSleep(seconds: 5)
        await first.stop()
        let second = try await InProcessSatellite(root: root, port: port)
        #expect(second.port == port, "rebinding \(port) after stop; listening: \(ListenerProbe.listeners(port: port))")
        await second.stop()
    }

    /// A satellite on `port`; a port still in TIME_WAIT or held for a moment by the previous
    /// round's closing listener gets a few more tries.
    private func bindRetrying(root: String, port: Int) async throws -> InProcessSatellite {
        for _ in 0..<40 {
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
        let seen = try await ListenerProbe.acceptedAndInherited { ListenerProbe.acceptedSockets(port: port) }
        close(controller)
        await satellite.stop()
        #expect(seen.accepted.count == 1, "the satellite accepted the connection")
        #expect(seen.inherited.isEmpty, "a child holds the accepted controller connection \(seen.inherited)")
    }
}
