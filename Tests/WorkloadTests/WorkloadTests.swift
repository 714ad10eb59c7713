import Testing
@testable import Workload

@Suite struct WorkloadBlockTests {
    let stamp = WorkloadStamp(logID: 0xABCD, block: 17, sequence: 1_764_120_000_000_001)

    @Test func encodedBlockDecodesToItsStamp() {
        for size in [512, 4096, 65536] {
            let bytes = WorkloadBlock.encode(stamp, blockBytes: size)
            #expect(bytes.count == size)
            #expect(WorkloadBlock.decode(bytes) == .stamped(stamp))
        }
    }

    @Test func differentWritesHaveDifferentBytes() {
        let a = WorkloadBlock.encode(stamp, blockBytes: 4096)
        var next = stamp; next.sequence += 1
        let b = WorkloadBlock.encode(next, blockBytes: 4096)
        // Not only the header: the filler changes too, so a stale tail cannot pass as new.
        #expect(Array(a[40...]) != Array(b[40...]))
    }

    @Test func zeroesAreNeverWritten() {
        #expect(WorkloadBlock.decode([UInt8](repeating: 0, count: 4096)) == .zeroes)
    }

    @Test func aSingleFlippedBitAnywhereFailsTheChecksum() {
        let good = WorkloadBlock.encode(stamp, blockBytes: 4096)
        for offset in [9, 20, 30, 35, 40, 2048, 4095] {
            var bad = good
            bad[offset] ^= 0x10
            guard case .garbage = WorkloadBlock.decode(bad) else {
                Issue.record("flipping a bit at \(offset) was not detected"); continue
            }
        }
    }

    @Test func aTornBlockFailsTheChecksum() {
        // First half of one write, second half of the next: what a torn write would leave.
        var next = stamp; next.sequence += 1
        let torn = Array(WorkloadBlock.encode(stamp, blockBytes: 4096)[..<2048]) + Array(WorkloadBlock.encode(next, blockBytes: 4096)[2048...])
        guard case .garbage(let why) = WorkloadBlock.decode(torn) else { Issue.record("torn block accepted"); return }
        #expect(why.contains("checksum"))
    }

    @Test func foreignDataIsNotAWorkloadBlock() {
        guard case .garbage(let why) = WorkloadBlock.decode([UInt8](repeating: 0x5A, count: 4096)) else {
            Issue.record("foreign data accepted"); return
        }
        #expect(why.contains("header"))
        guard case .garbage = WorkloadBlock.decode([1, 2, 3]) else { Issue.record("3 bytes accepted"); return }
    }

    @Test func blockSizesAreChecked() {
        #expect(WorkloadBlock.sizeProblem(4096) == nil)
        #expect(WorkloadBlock.sizeProblem(100) != nil)
        #expect(WorkloadBlock.sizeProblem(4000) != nil)
        #expect(WorkloadBlock.sizeProblem(2 << 20) != nil)
    }
}

@Suite struct WorkloadVerdictTests {
    let id: UInt64 = 7
    func content(block: UInt64, sequence: UInt64, logID: UInt64 = 7) -> WorkloadBlockContent {
        WorkloadBlock.decode(WorkloadBlock.encode(WorkloadStamp(logID: logID, block: block, sequence: sequence), blockBytes: 4096))
    }

    @Test func theNewestAcknowledgedWriteIsCurrent() {
        #expect(WorkloadVerdict.judge(content(block: 3, sequence: 10), block: 3, acknowledged: 10, logID: id) == .current)
    }

    @Test func aLaterWriteWasInFlightAndIsAccepted() {
        #expect(WorkloadVerdict.judge(content(block: 3, sequence: 12), block: 3, acknowledged: 10, logID: id) == .later(sequence: 12))
    }

    @Test func anOlderWriteMeansAnAcknowledgedWriteWasLost() {
        guard case .wrong(let why) = WorkloadVerdict.judge(content(block: 3, sequence: 9), block: 3, acknowledged: 10, logID: id) else {
            Issue.record("older write accepted"); return
        }
        #expect(why.contains("older sequence 9"))
    }

    @Test func zeroesWhereAWriteWasAcknowledgedFail() {
        guard case .wrong(let why) = WorkloadVerdict.judge(.zeroes, block: 3, acknowledged: 10, logID: id) else {
            Issue.record("zeroes accepted"); return
        }
        #expect(why.contains("zeroes"))
    }

    @Test func anotherBlocksContentIsMisdirected() {
        guard case .wrong(let why) = WorkloadVerdict.judge(content(block: 4, sequence: 10), block: 3, acknowledged: 10, logID: id) else {
            Issue.record("misdirected write accepted"); return
        }
        #expect(why.contains("misdirected"))
    }

    @Test func anotherWorkloadsContentFails() {
        guard case .wrong(let why) = WorkloadVerdict.judge(content(block: 3, sequence: 50, logID: 8), block: 3, acknowledged: 10, logID: id) else {
            Issue.record("foreign workload accepted"); return
        }
        #expect(why.contains("another workload"))
    }

    @Test func theTallyCountsEachKindAndKeepsAtMostTheLimit() {
        var tally = WorkloadVerification()
        tally.record(block: 1, .current)
        tally.record(block: 2, .later(sequence: 5))
        #expect(tally.passed)
        for b in 0..<UInt64(WorkloadVerification.failuresKeptMax + 10) { tally.record(block: b, .wrong("x")) }
        #expect(!tally.passed)
        #expect(tally.checked == 2 + WorkloadVerification.failuresKeptMax + 10)
        #expect(tally.current == 1 && tally.later == 1)
        #expect(tally.failureCount == WorkloadVerification.failuresKeptMax + 10)
        #expect(tally.failures.count == WorkloadVerification.failuresKeptMax)
    }
}

@Suite struct WorkloadLogTests {
    @Test func aLogParsesToTheNewestAcknowledgedSequencePerBlock() throws {
        let text = WorkloadLog.header(blockBytes: 4096, logID: 0xC0FFEE)
            + WorkloadLog.record(block: 5, sequence: 100) + WorkloadLog.record(block: 6, sequence: 101)
            + WorkloadLog.record(block: 5, sequence: 102)
        let log = try WorkloadLog.parse(text, name: "w.log")
        #expect(log.blockBytes == 4096 && log.logID == 0xC0FFEE)
        #expect(log.newestAcknowledged == [5: 102, 6: 101])
        #expect(log.acknowledgedWrites == 3 && log.sequenceMax == 102)
    }

    @Test func aRecordCutOffByAKillIsIgnored() throws {
        let text = WorkloadLog.header(blockBytes: 4096, logID: 1) + WorkloadLog.record(block: 5, sequence: 100) + "6 10"
        let log = try WorkloadLog.parse(text, name: "w.log")
        #expect(log.newestAcknowledged == [5: 100])
    }

    @Test func aBadHeaderOrRecordNamesTheLine() {
        #expect(throws: WorkloadLogError.self) { try WorkloadLog.parse("", name: "w.log") }
        #expect(throws: WorkloadLogError("w.log line 1: \"hello\" is not a workload log header (tandem-workload v1 block-bytes=N id=HEX)")) {
            try WorkloadLog.parse("hello\n", name: "w.log")
        }
        #expect(throws: WorkloadLogError("w.log line 3: \"5 x\" is not \"BLOCK SEQUENCE\"")) {
            try WorkloadLog.parse(WorkloadLog.header(blockBytes: 4096, logID: 1) + "5 1\n5 x\n", name: "w.log")
        }
        #expect(throws: WorkloadLogError.self) { try WorkloadLog.parse("tandem-workload v1 block-bytes=100 id=1\n", name: "w.log") }
    }
}

@Suite struct WorkloadPlanTests {
    @Test func writesStayInTheRegionWithGrowingSequences() {
        var plan = WorkloadPlan(firstBlock: 100, blockCount: 8, startSequence: 1000, seed: 1)
        var last: UInt64 = 0
        for _ in 0..<200 {
            let w = plan.next()!
            #expect((100..<108).contains(w.block))
            #expect(w.sequence > last)
            last = w.sequence
            plan.finished(w.block)
        }
    }

    @Test func neverTwoWritesToOneBlockAtOnce() {
        var plan = WorkloadPlan(firstBlock: 0, blockCount: 4, startSequence: 1, seed: 9)
        let writes = (0..<4).map { _ in plan.next()! }
        #expect(Set(writes.map(\.block)) == [0, 1, 2, 3])
        #expect(plan.next() == nil)
        plan.finished(2)
        #expect(plan.next()?.block == 2)
    }
}
