import Glibc
import ListenerTestSupport
import NBDClient
import NBDServer
import NIOCore
import ScratchFolders
import Testing

/// The optional NBD TCP export (`tandem engine --nbd-listen`) listens on a close-on-exec socket.
/// NIO's own sockets are inherited by every child process anything in the engine spawns, and a
/// child that outlives the listener keeps the port in LISTEN: the next engine on that port then
/// fails with "Address already in use". Before the fix the rebind below failed with EADDRINUSE
/// while the spawned `sleep` held the closed listener.
@Suite("NBD TCP listener inheritance")
struct NBDListenerInheritanceTests {
    @Test func aChildSpawnedWhileListeningDoesNotHoldThePort() async throws {
        let server = NBDServer(registry: NBDExportRegistry())
        let address = try await server.listen(host: "127.0.0.1", port: 0)
        let port = try #require(address.port)
        ListenerProbe.spawnSleep(seconds: 5)
        await server.close()

        let next = NBDServer(registry: NBDExportRegistry())
        await #expect(throws: Never.self, "rebinding \(port) after close; listening: \(ListenerProbe.listeners(port: port))") {
            try await next.listen(host: "127.0.0.1", port: port)
        }
        await next.close()
    }
}

/// A connection the NBD server accepted is close-on-exec too: NIO accepts without
/// SOCK_CLOEXEC, so before the fix every child spawned while a client was connected held the
/// client's connection open (the client then never sees the engine hang up on it).
@Suite("NBD accepted connections are not inherited", .removesScratchFolders)
struct NBDAcceptedInheritanceTests {
    @Test func unixAndTCPConnectionsStayOutOfChildren() async throws {
        let socket = try ScratchFolder.make("tandem-nbd-cloexec-") + "/nbd.sock"
        let server = NBDServer(registry: NBDExportRegistry())
        try await ScratchFolder.onTestEnd { await server.close() }
        _ = try await server.listen(unixSocket: socket)
        let port = try #require(try await server.listen(host: "127.0.0.1", port: 0).port)

        let unixClient = ListenerProbe.connect(unixPath: socket)
        let tcpClient = ListenerProbe.connect(port: port)
        defer { close(unixClient); close(tcpClient) }
        #expect(unixClient >= 0 && tcpClient >= 0)

        #expect(try await ListenerProbe.inheritanceProblem("the accepted unix connection") {
            ListenerProbe.acceptedSockets(unixPath: socket)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the accepted TCP connection") {
            ListenerProbe.acceptedSockets(port: port)
        } == nil)
    }
}

/// The unix-domain export listener and Tandem's own NBD client connections (`tandem nbd …`, the
/// local block device attachment) are close-on-exec too: NIO creates both without
/// SOCK_CLOEXEC, so before CCloseOnExecSockets covered `socket()` a child spawned meanwhile held
/// the export's path in LISTEN and kept the client's connection open after the client closed.
@Suite("NBD unix listener and client connections are not inherited")
struct NBDClientInheritanceTests {
    @Test func unixListenerAndClientConnectionsStayOutOfChildren() async throws {
        let fixture = try await NBDServerLiveTests.Fixture()
        defer { Task { await fixture.shutdown() } }
        let port = try #require(try await fixture.server.listen(host: "127.0.0.1", port: 0).port)
        let unixClient = try await fixture.connect("alpha")
        let tcpClient = try await NBDClient.connect(host: "127.0.0.1", port: port, export: "beta/1")
        defer { Task { await unixClient.close(); await tcpClient.close() } }

        #expect(try await ListenerProbe.inheritanceProblem("the export's unix listener") {
            ListenerProbe.listeningSockets(unixPath: fixture.socket)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the client's unix connection") {
            ListenerProbe.connectedSockets(toUnixPath: fixture.socket)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the client's TCP connection") {
            ListenerProbe.connectedSockets(toPort: port)
        } == nil)
    }
}
