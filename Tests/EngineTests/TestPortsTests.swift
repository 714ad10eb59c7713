import Glibc
import ListenerTestSupport
import Testing

/// The ports every listening test here takes: two tests never get the same one, and none lies in
/// the kernel's ephemeral range, where an outgoing connection could hold it first (the CI gate
/// failed once on "Address already in use" with a port drawn there).
@Suite("Test ports")
struct TestPortsTests {
    @Test func reservedRangesAreDisjointBindableAndBelowTheEphemeralRange() throws {
        let ranges = (0..<40).map { i -> Range<Int> in
            let count = 1 + i % 3
            let first = TestPorts.reserve(count)
            return first..<first + count
        }
        let ports = ranges.flatMap { Array($0) }
        #expect(Set(ports).count == ports.count, "a port was handed out twice: \(ranges)")
        #expect(ports.allSatisfy { $0 >= 20000 && $0 < 32768 }, "outside 20000..<32768: \(ranges)")
        // The first port of each range binds on 127.0.0.1 (nothing on this machine holds it).
        for range in ranges.prefix(5) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(range.lowerBound).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(bound == 0, "bind 127.0.0.1:\(range.lowerBound): errno \(errno)")
        }
    }
}
