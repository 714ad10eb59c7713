import ListenerTestSupport
import NBDServer
import NIOCore
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
