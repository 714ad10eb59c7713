import Testing
@testable import ReplicationCore

@Suite("Replication core: resync rate controller")
struct ResyncRateControllerTests {
    func controller(_ configure: (inout ReplicaConfig) -> Void = { _ in }) -> ResyncRateController {
        var config = ReplicaConfig(resourceName: "r", nodeID: NodeID(0), nodeName: "a", peers: [], sizeBytes: 1 << 30)
        // The figures below are worked out for an 8 MiB ceiling and 1 MiB requests, whatever
        // the engine's defaults are.
        config.resyncFillTargetBytes = 8 << 20
        config.resyncRequestBytesMax = 1 << 20
        configure(&config)
        return ResyncRateController(config: config)
    }

    @Test("an idle path: the window grows to its ceiling")
    func fillsIdlePath() {
        var c = controller()
        var now: UInt64 = 0
        for _ in 0 ..< 100 {
            now += 3_000
            c.observe(rttMicros: 3_000, bytes: 1 << 20, nowMicros: now)
        }
        #expect(c.windowBytes == 8 << 20)
        #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 7 << 20))
        #expect(!c.mayRequest(bytes: 1 << 20, inFlightBytes: 8 << 20))
    }

    @Test("queueing above the target halves the window, once per round trip, not below c-min-rate's need")
    func backsOffOnQueueing() {
        var c = controller()
        var now: UInt64 = 0
        for _ in 0 ..< 20 { now += 2_000; c.observe(rttMicros: 2_000, bytes: 1 << 20, nowMicros: now) }
        let full = c.windowBytes
        // Queueing shows once every recent round trip is slow (58 ms > 20 ms).
        for _ in 0 ..< ResyncRateController.currentFilterSamples - 1 {
            now += 100
            c.observe(rttMicros: 60_000, bytes: 1 << 20, nowMicros: now)
            #expect(c.windowBytes == full, "a faster round trip is still among the recent ones")
        }
        now += 100
        c.observe(rttMicros: 60_000, bytes: 1 << 20, nowMicros: now)
        #expect(c.windowBytes == full / 2)
        now += 1_000
        c.observe(rttMicros: 60_000, bytes: 1 << 20, nowMicros: now)  // same round trip: no second halving
        #expect(c.windowBytes == full / 2)
        for _ in 0 ..< 50 { now += 70_000; c.observe(rttMicros: 60_000, bytes: 1 << 20, nowMicros: now) }
        // c-min-rate 4 MiB/s at a 60 ms round trip needs ~240 KiB in flight.
        #expect(c.windowBytes == c.minWindowBytes)
        #expect(c.windowBytes >= 4 * 1_048_576 * 60 / 1000 - 4096)
        #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 0), "always one request in flight")
    }

    @Test("after a back-off the window grows again while queueing stays under the target")
    func recovers() {
        var c = controller()
        var now: UInt64 = 0
        for _ in 0 ..< 20 { now += 2_000; c.observe(rttMicros: 2_000, bytes: 1 << 20, nowMicros: now) }
        for _ in 0 ..< ResyncRateController.currentFilterSamples { now += 100_000; c.observe(rttMicros: 90_000, bytes: 1 << 20, nowMicros: now) }
        let reduced = c.windowBytes
        #expect(!c.slowStart)
        for _ in 0 ..< 200 { now += 5_000; c.observe(rttMicros: 5_000, bytes: 1 << 20, nowMicros: now) }
        #expect(c.windowBytes > reduced)
        #expect(c.windowBytes == 8 << 20)
    }

    @Test("a single slow round trip (a thread waiting for a CPU) does not shrink the window; lasting queueing does")
    func ignoresSpikes() {
        var c = controller()
        var now: UInt64 = 0
        for _ in 0 ..< 100 { now += 3_000; c.observe(rttMicros: 3_000, bytes: 1 << 20, nowMicros: now) }
        #expect(c.windowBytes == 8 << 20)
        for round in 0 ..< 50 {  // every third round trip 40 ms late
            now += 3_000
            c.observe(rttMicros: round % 3 == 0 ? 43_000 : 3_000, bytes: 1 << 20, nowMicros: now)
        }
        #expect(c.windowBytes == 8 << 20, "spikes are not queueing")
        for _ in 0 ..< 8 { now += 45_000; c.observe(rttMicros: 43_000, bytes: 1 << 20, nowMicros: now) }
        #expect(c.windowBytes < 8 << 20, "lasting queueing still halves the window")
    }

    @Test("a path that became slower for good is relearned as the base, not treated as queueing forever")
    func relearnsBase() {
        var c = controller()
        var now: UInt64 = 0
        for _ in 0 ..< 10 { now += 1_000; c.observe(rttMicros: 1_000, bytes: 1 << 20, nowMicros: now) }
        for _ in 0 ..< 400 { now += 100_000; c.observe(rttMicros: 50_000, bytes: 1 << 20, nowMicros: now) }
        #expect(c.baseRTTMicros == 50_000)
        #expect(c.windowBytes == 8 << 20)
    }

    @Test("c-max-rate caps the bytes requested per tick")
    func rateCap() {
        var c = controller { $0.resyncRateMaxBytesPerSecond = 20 << 20 }  // 2 MiB per 100 ms tick
        #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 1))
        c.requested(bytes: 2 << 20)
        #expect(!c.mayRequest(bytes: 1 << 20, inFlightBytes: 1))
        c.tick()
        #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 1))
    }

    @Test("zero detection of resync data")
    func zeroCheck() {
        #expect(ReplicaInstance.isAllZero([]))
        #expect(ReplicaInstance.isAllZero(Array(repeating: 0, count: 1 << 20)))
        for position in [0, 7, 8, 4095, 1 << 19, (1 << 20) - 1] {
            var data = [UInt8](repeating: 0, count: 1 << 20)
            data[position] = 1
            #expect(!ReplicaInstance.isAllZero(data), "byte \(position)")
        }
        #expect(!ReplicaInstance.isAllZero([0, 0, 0, 0, 0, 0, 0, 0, 0, 3]))
    }

    @Test("c-max-rate holds on average even when one request is larger than a tick's budget")
    func maxRateBelowOneRequestPerTick() {
        // 2 MiB/s at 10 ticks/s is 204.8 KiB per tick; requests are 1 MiB. Before, a request
        // always went when nothing was in flight: 10 MiB/s.
        var c = controller { $0.resyncRateMaxBytesPerSecond = 2 << 20; $0.resyncRateMinBytesPerSecond = 0 }
        var sent: UInt64 = 0
        for _ in 0 ..< 100 {  // 10 s of ticks, each request answered within its tick
            if c.mayRequest(bytes: 1 << 20, inFlightBytes: 0) { c.requested(bytes: 1 << 20); sent += 1 << 20 }
            c.tick()
        }
        #expect(sent >= 19 << 20 && sent <= 21 << 20, "sent \(sent >> 20) MiB in 10 s at a 2 MiB/s cap")
    }

    @Test("without a cap a request goes whenever nothing is in flight")
    func noCapAlwaysProgresses() {
        var c = controller()
        for _ in 0 ..< 50 {
            #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 0))
            c.requested(bytes: 1 << 20)
        }
    }

    /// `count` round trips of `rttMicros` each (1 MiB, one ending every `rttMicros`); with
    /// `applicationWrites`, an application write passes just before each ends.
    func roundTrips(_ c: inout ResyncRateController, _ count: Int, rttMicros: UInt64, now: inout UInt64,
                    applicationWrites: Bool = false) {
        for _ in 0 ..< count {
            now += rttMicros
            if applicationWrites { c.applicationWrite(nowMicros: now) }
            c.observe(rttMicros: rttMicros, bytes: 1 << 20, nowMicros: now)
        }
    }

    @Test("with application writes flowing, the whole round trip is held to the target, not only what lies above the base")
    func applicationWritesHoldRoundTrip() {
        var c = controller()
        var now: UInt64 = 0
        // A busy machine: the base is learned at 30 ms with the window's own queue in it.
        roundTrips(&c, 20, rttMicros: 30_000, now: &now)
        let full = c.windowBytes
        #expect(full == 8 << 20)
        // 45 ms round trips are 15 ms above the base, under the 20 ms target: resync alone keeps its window.
        roundTrips(&c, 8, rttMicros: 45_000, now: &now)
        #expect(c.windowBytes == full)
        // An application write waits the whole 45 ms behind resync data: the window shrinks
        // to what c-min-rate needs at that round trip.
        roundTrips(&c, 40, rttMicros: 45_000, now: &now, applicationWrites: true)
        #expect(c.windowBytes == c.minWindowBytes)
        #expect(c.windowBytes < 1 << 20)
        #expect(c.mayRequest(bytes: 1 << 20, inFlightBytes: 0), "resync keeps one request in flight")
        #expect(!c.mayRequest(bytes: 1 << 20, inFlightBytes: 1 << 20))
        // The writer stops: after the quiet time the base counts again and the window grows back.
        now += ResyncRateController.applicationQuietMicros
        #expect(!c.applicationWritesFlowing(nowMicros: now))
        roundTrips(&c, 60, rttMicros: 30_000, now: &now)
        #expect(c.windowBytes == full)
    }

    @Test("tick mode (the simulation) ignores application writes, so the seeds reproduce")
    func tickModeIgnoresApplicationWrites() {
        var config = ReplicaConfig(resourceName: "r", nodeID: NodeID(0), nodeName: "a", peers: [], sizeBytes: 1 << 30)
        config.resyncFillTargetBytes = 8 << 20
        var c = ResyncRateController(config: config, usesClock: false)
        let before = c
        c.applicationWrite(nowMicros: 1_000)
        #expect(c == before)
        #expect(!c.applicationWritesFlowing(nowMicros: 1_000))
    }
}
