/// Decides how much resync data may be outstanding (target side).
///
/// DRBD's complaint is a fixed cap (c-max-rate 100 MiB/s) that wastes fast links; a fixed low
/// rate starves resync. This controller is delay-based, like LEDBAT (RFC 6817): it measures the
/// time from each resync request to the completion of the local write of its data — a path
/// through the source's disk queue, the link (shared with replicated application writes) and
/// this node's disk queue, the same queues application I/O waits in. The smallest such time
/// seen recently is the path without queueing (`baseRTTMicros`); anything above it is queueing
/// that resync data adds to application I/O. While that queueing delay stays under
/// `delayTargetMicros` the window grows (doubling per round trip at first, then about one
/// request per round trip); above it the window halves, at most once per round trip. So resync
/// fills an idle link and disk, and yields when it delays others. The window never drops below
/// what `rateMin` needs at the current round-trip time, never exceeds `maxWindowBytes` (memory
/// bound), and the bytes requested per tick never exceed `rateMax` (the optional c-max-rate).
///
/// Queueing is judged on the smallest of the last `currentFilterSamples` round trips (LEDBAT's
/// current-delay filter, RFC 6817 §3.4.1), not on each sample: on a busy machine single round
/// trips spike by tens of ms when a thread waits for a CPU, which resync does not cause and
/// cannot relieve; halving on each spike kept a 256 MiB resync at a fifth of what the link and
/// disk take while both engines sat mostly idle. Queueing that resync does cause (a disk or link
/// queue) lasts, and shows in every sample.
///
/// While application writes flow through this node (a peer's replicated writes, or its own as
/// Primary), the whole round trip, not only what lies above the base, is held to the target:
/// an application write waits behind the resync data ahead of it on the link and in the disk
/// queues, and the base itself holds the window's own standing queue (a base learned with a
/// few MiB outstanding on a busy machine was 30-40 ms). Judged against the base only, 4 KiB
/// writes at queue depth 1 waited 8-47 ms (p50) and 140-180 ms (p99) during a resync against
/// 0.12-0.17 ms after it (bench/resync --with-writes, 1 GiB, load ~20). c-min-rate still holds,
/// and one request always stays in flight, so resync keeps moving.
///
/// Without a clock from the shell (`step(_:)` only, as the deterministic simulation drives the
/// core) round trips are known only in ticks, far too coarse for this; the controller then
/// keeps session 1's tick-based window (grow by one request per reply answered within
/// `tickLatencyMax` ticks, halve otherwise), so the simulation's seeds reproduce as before.
struct ResyncRateController: Sendable, Equatable {
    /// Round trips are measured in µs with the shell's clock (false: in ticks).
    let usesClock: Bool
    let maxWindowBytes: UInt64
    let requestBytes: UInt64
    let blockBytes: UInt64
    let rateMinBytesPerSecond: UInt64
    let maxBytesPerTick: UInt64
    let delayTargetMicros: UInt64
    /// Tick mode: the window never drops below c-min-rate's bytes per tick.
    let tickFloorBytes: UInt64
    private(set) var windowBytes: UInt64
    private(set) var slowStart = true
    /// Smallest round trip of this and the previous base period (the base is relearned every
    /// `basePeriodMicros`, so a path that became slower for good is not mistaken for queueing).
    private var baseCurrent: UInt64 = .max
    private var basePrevious: UInt64 = .max
    private var basePeriodStart: UInt64 = 0
    private var lastDecreaseMicros: UInt64?
    private(set) var lastRTTMicros: UInt64 = 0
    /// The last few round trips, oldest first (at most `currentFilterSamples`).
    private var recentRTTMicros: [UInt64] = []
    static let currentFilterSamples = 4
    private var requestedThisTick: UInt64 = 0
    /// Until when (µs) application writes count as flowing; see `applicationWrite(nowMicros:)`.
    private var applicationWritesUntilMicros: UInt64 = 0
    /// How long after the last application write the base counts again: longer than the
    /// pauses of a steady writer (a qd1 writer's own round trips during a resync), short enough
    /// that a resync after a burst soon fills the link again.
    static let applicationQuietMicros: UInt64 = 500_000

    static let basePeriodMicros: UInt64 = 10_000_000
    /// Tick mode: replies slower than this many ticks halve the window.
    static let tickLatencyMax: UInt64 = 2

    init(config: ReplicaConfig, usesClock: Bool = true) {
        self.usesClock = usesClock
        let tps = UInt64(config.ticksPerSecond)
        blockBytes = UInt64(config.bitmapBlockBytes)
        requestBytes = UInt64(config.resyncRequestBytesMax)
        maxWindowBytes = max(config.resyncFillTargetBytes, blockBytes)
        rateMinBytesPerSecond = config.resyncRateMinBytesPerSecond
        maxBytesPerTick = max(blockBytes, config.resyncRateMaxBytesPerSecond / tps)
        delayTargetMicros = max(1, config.resyncDelayTargetMicros)
        tickFloorBytes = max(blockBytes, config.resyncRateMinBytesPerSecond / tps)
        windowBytes = usesClock ? min(maxWindowBytes, 2 * requestBytes) : max(tickFloorBytes, maxWindowBytes / 4)
    }

    /// Tick mode: a reply arrived `rttTicks` after its request.
    mutating func observe(rttTicks: UInt64) {
        if rttTicks > Self.tickLatencyMax {
            windowBytes = max(tickFloorBytes, windowBytes / 2)
        } else {
            windowBytes = min(maxWindowBytes, windowBytes + max(requestBytes, maxWindowBytes / 16))
        }
    }

    var baseRTTMicros: UInt64 { min(baseCurrent, basePrevious) }

    /// An application write passed through this node now. Clock mode only: in tick mode (the
    /// simulation) the window follows session 1's rule and the seeds stay reproducible.
    mutating func applicationWrite(nowMicros: UInt64) {
        guard usesClock else { return }
        applicationWritesUntilMicros = nowMicros + Self.applicationQuietMicros
    }

    /// Whether application writes were seen within `applicationQuietMicros` of `nowMicros`.
    func applicationWritesFlowing(nowMicros: UInt64) -> Bool { nowMicros < applicationWritesUntilMicros }

    /// The window c-min-rate needs at the last measured round trip.
    var minWindowBytes: UInt64 {
        guard usesClock else { return blockBytes }
        return max(blockBytes, rateMinBytesPerSecond * max(lastRTTMicros, 1) / 1_000_000)
    }

    /// `bytes` requested `rttMicros` ago are now written locally (or the request ended).
    mutating func observe(rttMicros: UInt64, bytes: UInt64, nowMicros: UInt64) {
        if nowMicros >= basePeriodStart + Self.basePeriodMicros {
            basePrevious = baseCurrent
            baseCurrent = .max
            basePeriodStart = nowMicros
        }
        baseCurrent = min(baseCurrent, rttMicros)
        lastRTTMicros = rttMicros
        if recentRTTMicros.count == Self.currentFilterSamples { recentRTTMicros.removeFirst() }
        recentRTTMicros.append(rttMicros)
        // With application writes flowing, the whole round trip is what they wait behind.
        let reference = applicationWritesFlowing(nowMicros: nowMicros) ? 0 : baseRTTMicros
        let queueing = recentRTTMicros.min()! - min(reference, recentRTTMicros.min()!)
        if queueing > delayTargetMicros {
            slowStart = false
            if lastDecreaseMicros.map({ nowMicros >= $0 + rttMicros }) ?? true {
                windowBytes = max(minWindowBytes, windowBytes / 2)
                lastDecreaseMicros = nowMicros
            }
        } else if slowStart {
            windowBytes = min(maxWindowBytes, windowBytes + bytes)
        } else {
            // About one request per window's worth of completions, less the closer the
            // queueing delay is to the target.
            let headroom = delayTargetMicros - queueing
            let step = bytes * requestBytes / max(windowBytes, 1) * headroom / delayTargetMicros
            windowBytes = min(maxWindowBytes, windowBytes + max(step, blockBytes))
        }
    }

    /// A new tick: c-max-rate's budget refills by one tick's worth. What a request took beyond
    /// its tick's budget is carried over as debt, so a cap below one request per tick (e.g.
    /// 2 MiB/s with 1 MiB requests at 10 ticks/s) holds on average instead of letting one
    /// request through every tick.
    mutating func tick() { requestedThisTick -= min(requestedThisTick, maxBytesPerTick) }

    /// Whether a request of `bytes` may go now with `inFlightBytes` already outstanding.
    func mayRequest(bytes: UInt64, inFlightBytes: UInt64) -> Bool {
        // With nothing in flight a request may exceed the tick's budget (progress even when one
        // request is larger than a tick's worth of c-max-rate), but only while the budget is
        // not spent: the excess is carried to the next ticks (`tick()`).
        if inFlightBytes == 0 { return requestedThisTick < maxBytesPerTick }
        return inFlightBytes + bytes <= max(windowBytes, minWindowBytes) && requestedThisTick + bytes <= maxBytesPerTick
    }

    mutating func requested(bytes: UInt64) { requestedThisTick += bytes }
}
