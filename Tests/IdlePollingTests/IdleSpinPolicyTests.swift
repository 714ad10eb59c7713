import Testing
@testable import IdlePolling

@Suite struct IdleSpinPolicyTests {
    @Test func startsOffAndAZeroMaximumNeverPolls() {
        var off = IdleSpinPolicy(maxNanoseconds: 0)
        #expect(off.windowNanoseconds == 0)
        for idle in [UInt64(0), 500, 10_000, 10_000_000] { off.idleEnded(afterNanoseconds: idle) }
        #expect(off.windowNanoseconds == 0)
        #expect(IdleSpinPolicy(maxNanoseconds: 100_000).windowNanoseconds == 0)
    }

    @Test func theFirstWindowIsAnEighthOfTheLargestWithinBounds() {
        #expect(IdleSpinPolicy(maxNanoseconds: 100_000).initialNanoseconds == 12_500)
        #expect(IdleSpinPolicy(maxNanoseconds: 4_000).initialNanoseconds == 1_000)  // not below 1 µs
        #expect(IdleSpinPolicy(maxNanoseconds: 500).initialNanoseconds == 500)      // nor above the largest
    }

    @Test func shortIdlePeriodsGrowTheWindowByDoublingUpToTheLargest() {
        var policy = IdleSpinPolicy(maxNanoseconds: 100_000)
        var windows: [UInt64] = []
        for _ in 0..<6 {
            policy.idleEnded(afterNanoseconds: 100_000)  // just within the largest window, never caught
            windows.append(policy.windowNanoseconds)
        }
        #expect(windows == [12_500, 25_000, 50_000, 100_000, 100_000, 100_000])
    }

    @Test func anIdlePeriodThePollCaughtLeavesTheWindowAlone() {
        var policy = IdleSpinPolicy(maxNanoseconds: 100_000)
        policy.idleEnded(afterNanoseconds: 40_000)
        policy.idleEnded(afterNanoseconds: 40_000)
        #expect(policy.windowNanoseconds == 25_000)
        policy.idleEnded(afterNanoseconds: 25_000)
        policy.idleEnded(afterNanoseconds: 3_000)
        #expect(policy.windowNanoseconds == 25_000)
    }

    /// A policy (largest window 100 µs) that a fast client has grown to its largest window.
    private func policyGrownToItsLargestWindow() -> IdleSpinPolicy {
        var policy = IdleSpinPolicy(maxNanoseconds: 100_000)
        for _ in 0..<4 { policy.idleEnded(afterNanoseconds: 90_000) }
        #expect(policy.windowNanoseconds == 100_000)
        return policy
    }

    @Test func longIdlePeriodsHalveTheWindowAndThenTurnItOff() {
        var policy = policyGrownToItsLargestWindow()
        var windows: [UInt64] = []
        for _ in 0..<5 {
            policy.idleEnded(afterNanoseconds: 100_001)  // a client that paused, or a starved loop
            windows.append(policy.windowNanoseconds)
        }
        #expect(windows == [50_000, 25_000, 12_500, 0, 0])
        // A fast client again turns it back on from the first window.
        policy.idleEnded(afterNanoseconds: 60_000)
        #expect(policy.windowNanoseconds == 12_500)
    }

    @Test func aPreemptedPollTurnsPollingOffUntilIdlePeriodsAreShortAgain() {
        var policy = policyGrownToItsLargestWindow()
        policy.pollWasPreempted()
        #expect(policy.windowNanoseconds == 0)
        policy.idleEnded(afterNanoseconds: 30_000)
        #expect(policy.windowNanoseconds == 12_500)
    }
}
