import NIOCore
@testable import ReplicationCore

/// The client side of the simulation: block-aligned writes with a unique value per write (so a
/// block's content names the write that produced it), at most one write in flight per block
/// (a well-behaved client), and the bookkeeping to judge the final contents.
struct SimWorkload {
    struct WriteRecord {
        var value: UInt64  // 0 for trim / write-zeroes
        var acked = false
        var finished = false
        /// Node the client wrote through, and `SimCluster.landingKey` of the write.
        var node = 0
        var landingKey = ""
        /// Protocol A: acknowledged by a writer that crashed before the write reached any other
        /// disk — DRBD's documented loss window for asynchronous replication (the write existed
        /// only in the crashed node's disk and send buffer), so it no longer has to survive.
        var mayBeLost = false
    }

    let blockBytes: Int
    let blockCount: Int
    /// Per block, the writes in submission order.
    var history: [[Int]]
    var writes: [WriteRecord] = []
    /// Client request id → (write index, node, blocks).
    var inFlight: [UInt64: (write: Int, node: Int, blocks: Range<Int>)] = [:]
    var busyBlocks: Set<Int> = []
    var ackedCount = 0
    var failedCount = 0
    var failureReasons: [String: Int] = [:]

    init(blockBytes: Int, blockCount: Int) {
        self.blockBytes = blockBytes
        self.blockCount = blockCount
        self.history = Array(repeating: [], count: blockCount)
    }

    static func content(value: UInt64, bytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes)
        guard value != 0 else { return out }
        for i in stride(from: 0, to: bytes, by: 8) {
            var v = value
            for j in 0 ..< 8 { out[i + j] = UInt8(truncatingIfNeeded: v); v >>= 8 }
        }
        return out
    }

    /// The write value a block holds, or nil if it is torn / garbage.
    static func value(of block: ArraySlice<UInt8>) -> UInt64? {
        let bytes = Array(block)
        var first: UInt64 = 0
        for j in 0 ..< 8 { first |= UInt64(bytes[j]) << (8 * UInt64(j)) }
        return content(value: first, bytes: bytes.count) == bytes ? first : nil
    }

    /// Picks free blocks and returns the request to submit, or nil if none is free.
    mutating func nextWrite(random: inout SplitMix64, node: Int, clientID: UInt64) -> ClientRequest? {
        let length = Int(random.next() % 2) + 1
        let start = Int(random.next() % UInt64(blockCount - length + 1))
        let blocks = start ..< start + length
        guard !blocks.contains(where: busyBlocks.contains) else { return nil }
        let index = writes.count
        let trim = random.next() % 10 == 0
        let value: UInt64 = trim ? 0 : UInt64(index + 1) << 8 | 0xA5
        let landingKey = trim ? "t\(start * blockBytes)+\(length * blockBytes)" : "v\(value)"
        writes.append(WriteRecord(value: value, node: node, landingKey: landingKey))
        for b in blocks {
            history[b].append(index)
            busyBlocks.insert(b)
        }
        inFlight[clientID] = (index, node, blocks)
        let bytes = length * blockBytes
        let operation: ClientOperation = trim ? .trim
            : .write(ByteBuffer(bytes: (0 ..< length).flatMap { _ in Self.content(value: value, bytes: blockBytes) }))
        return ClientRequest(id: ClientRequestID(clientID), operation: operation,
                             offsetBytes: UInt64(start * blockBytes), lengthBytes: UInt32(bytes),
                             fua: random.next() % 4 == 0)
    }

    mutating func completed(_ clientID: UInt64, _ result: ClientResult) {
        guard let entry = inFlight.removeValue(forKey: clientID) else { return }
        writes[entry.write].finished = true
        if case .done = result {
            writes[entry.write].acked = true
            ackedCount += 1
        } else {
            failedCount += 1
            if case .failed(let error) = result {
                let key = String(error.message.prefix(60))
                failureReasons[key, default: 0] += 1
            }
        }
        for b in entry.blocks { busyBlocks.remove(b) }
    }

    /// The node crashed: its requests will never complete; they may or may not have landed.
    mutating func nodeCrashed(_ node: Int) {
        for (id, entry) in inFlight where entry.node == node {
            inFlight[id] = nil
            for b in entry.blocks { busyBlocks.remove(b) }
        }
    }

    /// Protocol A: node `node` crashed; its acknowledged writes that reached no other disk may be
    /// lost (see `WriteRecord.mayBeLost`).
    mutating func asynchronousWriterCrashed(_ node: Int, landed: [String: Set<Int>]) {
        for i in writes.indices where writes[i].acked && writes[i].node == node {
            if !(landed[writes[i].landingKey] ?? []).contains(where: { $0 != node }) { writes[i].mayBeLost = true }
        }
    }

    /// Values a block may hold: the last acknowledged write or any write submitted after it
    /// (not acknowledged: it may or may not have landed).
    func acceptable(block: Int) -> [UInt64] {
        let list = history[block]
        guard let lastAcked = list.lastIndex(where: { writes[$0].acked && !writes[$0].mayBeLost }) else {
            return [0] + list.map { writes[$0].value }
        }
        return list[lastAcked...].map { writes[$0].value }
    }
}
