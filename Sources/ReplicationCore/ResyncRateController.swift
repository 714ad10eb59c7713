/// Decides how much resync data may be in flight (target side), per tick.
///
/// DRBD's complaint is a fixed cap (c-max-rate 100 MiB/s) that wastes fast links; a fixed low
/// rate starves resync. This controller is delay-based, like LEDBAT: it grows the in-flight
/// window additively while resync replies come back within the application latency bound
/// (`latencyTicksMax`), and halves it as soon as replies take longer — a reply that waits in the
/// same queues (link, peer disk) as application writes is the signal that application I/O is
/// being delayed. The window never drops below what `rateMin` needs and the bytes requested per
/// tick never exceed `rateMax`.
struct ResyncRateController: Sendable, Equatable {
    let fillTargetBytes: UInt64
    let minWindowBytes: UInt64
    let maxBytesPerTick: UInt64
    let latencyTicksMax: UInt64
    let stepBytes: UInt64
    private(set) var windowBytes: UInt64
    private var requestedThisTick: UInt64 = 0

    init(config: ReplicaConfig) {
        let tps = UInt64(config.ticksPerSecond)
        fillTargetBytes = max(config.resyncFillTargetBytes, UInt64(config.bitmapBlockBytes))
        minWindowBytes = max(UInt64(config.bitmapBlockBytes), config.resyncRateMinBytesPerSecond / tps)
        maxBytesPerTick = max(UInt64(config.bitmapBlockBytes), config.resyncRateMaxBytesPerSecond / tps)
        latencyTicksMax = UInt64(config.applicationLatencyTicksMax)
        stepBytes = max(UInt64(config.resyncRequestBytesMax), fillTargetBytes / 16)
        windowBytes = max(minWindowBytes, min(fillTargetBytes / 4, fillTargetBytes))
    }

    /// A reply arrived `rttTicks` after its request.
    mutating func observe(rttTicks: UInt64) {
        if rttTicks > latencyTicksMax {
            windowBytes = max(minWindowBytes, windowBytes / 2)
        } else {
            windowBytes = min(fillTargetBytes, windowBytes + stepBytes)
        }
    }

    mutating func tick() { requestedThisTick = 0 }

    /// Whether a request of `bytes` may go now with `inFlightBytes` already outstanding.
    func mayRequest(bytes: UInt64, inFlightBytes: UInt64) -> Bool {
        if inFlightBytes == 0 { return true }  // always make progress
        return inFlightBytes + bytes <= windowBytes && requestedThisTick + bytes <= maxBytesPerTick
    }

    mutating func requested(bytes: UInt64) { requestedThisTick += bytes }
}
