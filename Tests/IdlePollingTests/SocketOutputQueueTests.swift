import Glibc
import Testing
@testable import IdlePolling

@Suite struct SocketOutputQueueTests {
    @Test func aUnixSocketsOutputIsEmptyOnlyOnceThePeerReadItAll() throws {
        var fds: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let (server, client) = (fds[0], fds[1])
        #expect(SocketOutputQueue.isEmpty(descriptor: server) == true)
        var reply = [UInt8](repeating: 9, count: 16)
        #expect(write(server, &reply, 16) == 16)
        #expect(write(server, &reply, 16) == 16)
        #expect(SocketOutputQueue.isEmpty(descriptor: server) == false, "two replies unread")
        var taken = [UInt8](repeating: 0, count: 16)
        #expect(read(client, &taken, 16) == 16)
        #expect(SocketOutputQueue.isEmpty(descriptor: server) == false, "one reply still unread")
        #expect(read(client, &taken, 16) == 16)
        #expect(SocketOutputQueue.isEmpty(descriptor: server) == true)
    }

    @Test func aDescriptorThatIsNoSocketHasNoAnswer() throws {
        let fd = open("/dev/null", O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(SocketOutputQueue.isEmpty(descriptor: fd) == nil)
    }
}
