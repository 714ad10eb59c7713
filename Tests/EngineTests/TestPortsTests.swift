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

    @Test func aRangeHoldingAPortInUseIsSkipped() {
        // 20010 is held by some socket: the 3 ports from 20008 would cover it, the 3 after do not.
        let found = TestPorts.firstFree(count: 3, from: 20008, below: 32768, inUse: [20010])
        #expect(found?.first == 20011 && found?.next == 20014, "\(String(describing: found))")
        let free = TestPorts.firstFree(count: 3, from: 20008, below: 32768, inUse: [20007, 20011])
        #expect(free?.first == 20008, "a port outside the range does not count: \(String(describing: free))")
    }

    @Test func portsRunUpToTheEphemeralFloorAndThenWrap() {
        // The last 3 ports below the floor are a range of their own; one more would reach the floor.
        let last = TestPorts.firstFree(count: 3, from: 32765, below: 32768, inUse: [])
        #expect(last?.first == 32765 && last?.next == 32768, "\(String(describing: last))")
        let wrapped = TestPorts.firstFree(count: 3, from: 32766, below: 32768, inUse: [])
        #expect(wrapped?.first == TestPorts.lowest, "\(String(describing: wrapped))")
    }

    @Test func noFreeRangeIsNoAnswer() {
        // Every port from the lowest to the floor is held: the search gives up instead of
        // handing out a port in use.
        let held = Set(TestPorts.lowest..<TestPorts.lowest + 10)
        #expect(TestPorts.firstFree(count: 2, from: TestPorts.lowest, below: TestPorts.lowest + 10, inUse: held) == nil)
    }
}
