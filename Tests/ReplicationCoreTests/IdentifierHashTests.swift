@testable import ReplicationCore
import Testing

/// The hash the request and storage tables use instead of SipHash (`IdentifierHash`): it must
/// spread the consecutive ids the engine hands out over a table's buckets (a table indexes
/// buckets by the low bits), differ per table seed, and keep a table correct under the engine's
/// pattern of ids: a window of requests in flight, added at one end and removed at the other.
@Suite("Identifier hash")
struct IdentifierHashTests {
    /// Ids into as many buckets as ids, consecutive and strided (every 4096th, as ids of one
    /// kind interleaved with others could be): a random-like hash leaves about 1/e of the
    /// buckets empty and none much fuller than a handful, for either pattern. The identity, or
    /// a multiply without folding the high bits down, puts every strided id into one bucket; a
    /// hash that drops low bits (e.g. `value >> 3`) piles eight consecutive ids per bucket.
    @Test(arguments: [0, 1, 0x5bd1_e995, -7_046_029_254_386_353_131], [UInt64(1), 4096])
    func idsSpreadOverBuckets(seed: Int, stride: UInt64) {
        let buckets = 1 << 12
        var load = [Int](repeating: 0, count: buckets)
        for k in UInt64(0)..<UInt64(buckets) {
            load[IdentifierHash.mix(1_000_000 + k * stride, seed: seed) & (buckets - 1)] += 1
        }
        let empty = load.filter { $0 == 0 }.count
        #expect((buckets * 30 / 100...buckets * 44 / 100).contains(empty), "empty buckets: \(empty) of \(buckets)")
        #expect(load.max()! <= 10, "fullest bucket: \(load.max()!)")
    }

    @Test func theSeedChangesTheHash() {
        let differing = (UInt64(0)..<64).filter { IdentifierHash.mix($0, seed: 1) != IdentifierHash.mix($0, seed: 2) }
        #expect(differing.count == 64)
        #expect(ClientRequestID(9)._rawHashValue(seed: 5) == IdentifierHash.mix(9, seed: 5))
        #expect(StorageOpID(9)._rawHashValue(seed: 5) == IdentifierHash.mix(9, seed: 5))
    }

    /// A sliding window of 32 requests in flight over 100,000 ids, as a queue-depth-32 client
    /// makes them: every id is found while in flight, and gone after its removal.
    @Test func aSlidingWindowOfRequestsStaysFindable() {
        var table: [ClientRequestID: UInt64] = [:]
        for n in UInt64(1)...100_000 {
            table[ClientRequestID(n)] = n &* 3
            if n > 32 {
                let done = ClientRequestID(n - 32)
                #expect(table.removeValue(forKey: done) == (n - 32) &* 3)
                if table[done] != nil { Issue.record("\(done) still found after its removal"); return }
            }
            if table[ClientRequestID(n)] != n &* 3 { Issue.record("\(n) not found while in flight"); return }
        }
        #expect(table.count == 32)
    }
}
