import ArgumentParser
import NBDClient
import Workload

/// `tandem nbd verify`: reads back every block a workload log names and checks it.
struct NBDVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every write a workload log records as acknowledged is on the export.",
        discussion: """
        Reads every block named in --log (written by `tandem nbd workload`) through the given \
        NBD server, which may be any node's, and checks that it holds its newest acknowledged \
        write, or a later write of the same workload: a write that was in flight when the \
        workload stopped may or may not have landed, and either is correct. Zeroes, an older \
        write, another block's write or a failed checksum are failures: each is listed \
        (the first \(WorkloadVerification.failuresKeptMax)) and the command exits 1.
        """
    )

    @OptionGroup var target: NBDTargetOptions

    @Option(help: "The workload's log of acknowledged writes.")
    var log: String

    /// Blocks read per request (contiguous runs of logged blocks are read together).
    static let readBlocksMax: UInt64 = 256

    func run() async throws {
        guard let workload = try WorkloadLogFile.read(log) else {
            throw CommandFailure(message: "\(log) does not exist or is empty: nothing to verify")
        }
        let client = try await target.connect()
        let blockBytes = UInt64(workload.blockBytes)
        let blocks = workload.newestAcknowledged.keys.sorted()
        if let last = blocks.last, (last + 1) * blockBytes > client.size {
            await client.close()
            throw CommandFailure(message: "\(log) names block \(last), past the end of \(target.export) (\(client.size) bytes)")
        }
        var tally = WorkloadVerification()
        var i = 0
        do {
            while i < blocks.count {
                let first = blocks[i]
                var j = i
                while j + 1 < blocks.count, blocks[j + 1] - first < Self.readBlocksMax { j += 1 }
                let span = blocks[j] - first + 1
                let data = try await client.read(offset: first * blockBytes, length: Int(span * blockBytes))
                for b in blocks[i...j] {
                    let bytes = data.getBytes(at: data.readerIndex + Int((b - first) * blockBytes), length: Int(blockBytes))!
                    tally.record(block: b, WorkloadVerdict.judge(WorkloadBlock.decode(bytes), block: b,
                                                                 acknowledged: workload.newestAcknowledged[b]!, logID: workload.logID))
                }
                i = j + 1
            }
        } catch {
            await client.close()
            throw CommandFailure(message: "reading \(target.export) on \(target.place) failed after \(tally.checked) blocks: \(error)")
        }
        await client.close()
        let what = "\(tally.checked) blocks (\(workload.acknowledgedWrites) acknowledged writes in \(log)) read through \(target.place)"
        if tally.passed {
            print("verify: \(what): every block holds its newest acknowledged write (\(tally.later) hold a later one that was in flight)")
            return
        }
        print("verify: \(what): \(tally.failureCount) blocks do not hold their newest acknowledged write:")
        for failure in tally.failures { print("  block \(failure.block): \(failure.why)") }
        if tally.failureCount > tally.failures.count { print("  … and \(tally.failureCount - tally.failures.count) more") }
        throw CommandFailure(message: "verify: \(tally.failureCount) of \(tally.checked) blocks lost their acknowledged write")
    }
}
