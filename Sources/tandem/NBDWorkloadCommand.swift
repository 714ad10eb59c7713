import ArgumentParser
import Foundation
import TandemCLI
import NBDClient
import NIOCore
import Workload

/// `tandem nbd workload`: writes self-describing blocks through NBD and logs each one only
/// after the server acknowledged it; `tandem nbd verify` later proves none was lost.
struct NBDWorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Write verifiable blocks to an NBD export and log every acknowledged write.",
        discussion: """
        Writes blocks of --block bytes at random places in the region (--first-block, --blocks; \
        default the whole export), --queue-depth writes at a time, for --seconds. Each block \
        holds its own index, a sequence number and a checksum. A write is appended to --log \
        only after the server acknowledged it, and the log is synced before the next one is \
        counted, so killing the workload (or the server) never leaves an acknowledged write \
        out of the log. Running again with the same --log continues it (same block size, larger \
        sequence numbers), e.g. on another node after a failover.

        Stops at the first failed write (exit 1, naming the block and the server's error) and \
        when a write is not acknowledged within --timeout seconds (exit 3). Check the result \
        with `tandem nbd verify --log FILE` through any node. Example:
          tandem nbd workload --socket /var/lib/tandem/engine/run/nbd.sock --export backups/0 \\
            --log /tmp/w.log --seconds 10 --blocks 1024
        """
    )

    @OptionGroup var target: NBDTargetOptions

    @Option(help: "The log of acknowledged writes (created, or continued when it exists).")
    var log: String

    @Option(help: "How long to write, in seconds (0: until killed).")
    var seconds: Double = 10

    @Option(help: "Bytes per block: a multiple of 512 from 512 to 1 MiB.")
    var block: Int = 4096

    @Option(help: "First block of the region written.")
    var firstBlock: UInt64 = 0

    @Option(help: "Blocks in the region written (default: from --first-block to the end of the export).")
    var blocks: UInt64?

    @Option(help: "Writes in flight at once (never two to one block).")
    var queueDepth: Int = 4

    @Flag(help: "Send every write with FUA (forced unit access).")
    var fua = false

    @Option(help: "Seconds a write may stay unacknowledged before the workload gives up (exit 3).")
    var timeout: Double = 30

    @Option(help: "Seed for the choice of blocks (default: from the clock).")
    var seed: UInt64?

    func validate() throws {
        if let problem = WorkloadBlock.sizeProblem(block) { throw ValidationError("--block: \(problem)") }
        guard seconds >= 0, seconds.isFinite else { throw ValidationError("--seconds must be 0 or more") }
        guard (1...256).contains(queueDepth) else { throw ValidationError("--queue-depth must be between 1 and 256") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
        if let blocks, blocks == 0 { throw ValidationError("--blocks must be at least 1") }
    }

    func run() async throws {
        let existing = try WorkloadLogFile.read(log)
        if let existing, existing.blockBytes != block {
            throw CommandFailure(message: "\(log) was written with --block \(existing.blockBytes); continue it with the same block size, or use a new log")
        }
        let client = try await target.connect()
        let exportBlocks = client.size / UInt64(block)
        guard firstBlock < exportBlocks else {
            throw CommandFailure(message: "--first-block \(firstBlock) is past the end of \(target.export) (\(exportBlocks) blocks of \(block) bytes)")
        }
        let count = blocks ?? (exportBlocks - firstBlock)
        guard firstBlock + count <= exportBlocks else {
            throw CommandFailure(message: "blocks \(firstBlock)..<\(firstBlock + count) do not fit in \(target.export) (\(exportBlocks) blocks of \(block) bytes)")
        }
        guard UInt64(queueDepth) <= count else {
            throw CommandFailure(message: "--queue-depth \(queueDepth) is more than the \(count) blocks of the region")
        }

        let file = try WorkloadLogFile(path: log)
        var idSource = WorkloadRandom(seed: UInt64(Date().timeIntervalSince1970 * 1e9) ^ UInt64(getpid()))
        let logID = existing?.logID ?? idSource.next()
        if existing == nil { try file.append(WorkloadLog.header(blockBytes: block, logID: logID)) }
        // Sequences grow across runs of one log: past the wall clock and well past anything an
        // earlier run may have had in flight without logging it.
        let nowMicros = UInt64(Date().timeIntervalSince1970 * 1e6)
        let start = max(nowMicros, (existing?.sequenceMax ?? 0) + 1_000_000)
        let plan = WorkloadPlan(firstBlock: firstBlock, blockCount: count, startSequence: start,
                                seed: seed ?? nowMicros)
        let state = WorkloadState(plan: plan, file: file)
        let clock = ContinuousClock()
        let began = clock.now
        let deadline = seconds > 0 ? began.advanced(by: .seconds(seconds)) : nil

        let watchdog = Task { [timeout, log] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if let (block, sequence, age) = await state.oldestInFlight(now: clock.now), age > .seconds(timeout) {
                    let acknowledged = await state.acknowledged
                    StandardStreams.err("workload: write of block \(block) (sequence \(sequence)) not acknowledged within \(timeout) s; giving up after \(acknowledged) acknowledged writes (log: \(log))\n")
                    Foundation.exit(3)
                }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<queueDepth {
                group.addTask { [block, fua] in
                    while deadline.map({ clock.now < $0 }) ?? true {
                        guard let write = await state.next(now: clock.now) else { return }
                        let bytes = WorkloadBlock.encode(WorkloadStamp(logID: logID, block: write.block, sequence: write.sequence), blockBytes: block)
                        do {
                            try await client.write(offset: write.block * UInt64(block), data: ByteBuffer(bytes: bytes), fua: fua)
                        } catch {
                            await state.failed(write.block, sequence: write.sequence, error: "\(error)")
                            return
                        }
                        if await !state.acknowledge(write.block, sequence: write.sequence) { return }
                    }
                }
            }
        }
        watchdog.cancel()
        await client.close()
        let elapsed = began.duration(to: clock.now)
        let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let acknowledged = await state.acknowledged
        let rate = secondsTaken > 0 ? Double(acknowledged) / secondsTaken : 0
        print("workload: \(acknowledged) writes of \(block) bytes acknowledged to blocks \(firstBlock)..<\(firstBlock + count) of \(target.export) in \(String(format: "%.1f", secondsTaken)) s (\(Int(rate)) writes/s); log \(log)")
        if let failure = await state.failure {
            throw CommandFailure(message: "workload stopped: \(failure)")
        }
    }
}

/// The workload's shared state: the plan, the log, and the first failure (which stops every
/// writer). Appending to the log happens here, one record at a time.
actor WorkloadState {
    private var plan: WorkloadPlan
    private let file: WorkloadLogFile
    private var started: [UInt64: (sequence: UInt64, at: ContinuousClock.Instant)] = [:]
    private(set) var acknowledged = 0
    private(set) var failure: String?

    init(plan: WorkloadPlan, file: WorkloadLogFile) { self.plan = plan; self.file = file }

    func next(now: ContinuousClock.Instant) -> (block: UInt64, sequence: UInt64)? {
        guard failure == nil, let write = plan.next() else { return nil }
        started[write.block] = (write.sequence, now)
        return write
    }

    /// Logs the acknowledged write; false when the workload must stop.
    func acknowledge(_ block: UInt64, sequence: UInt64) -> Bool {
        do {
            try file.append(WorkloadLog.record(block: block, sequence: sequence))
        } catch {
            failure = failure ?? "\(error)"
            return false
        }
        acknowledged += 1
        plan.finished(block)
        started[block] = nil
        return failure == nil
    }

    func failed(_ block: UInt64, sequence: UInt64, error: String) {
        plan.finished(block)
        started[block] = nil
        failure = failure ?? "write of block \(block) (sequence \(sequence)) failed after \(acknowledged) acknowledged writes: \(error)"
    }

    func oldestInFlight(now: ContinuousClock.Instant) -> (UInt64, UInt64, Duration)? {
        guard let oldest = started.min(by: { $0.value.at < $1.value.at }) else { return nil }
        return (oldest.key, oldest.value.sequence, oldest.value.at.duration(to: now))
    }
}
