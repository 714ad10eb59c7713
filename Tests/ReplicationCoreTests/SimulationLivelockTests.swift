import Testing

/// A simulated seed whose messages never stop (a livelock) used to end the whole test process at
/// `SimCluster.stabilize`'s precondition, taking every other test's result with it — and a random
/// seed can do that to anyone's `swift test`. The simulation now reports it as that seed's failure.
@Suite("Simulation: a livelock is the seed's failure")
struct SimulationLivelockTests {
    @Test func aStabilizeThatRunsOutOfRoundsEndsTheRunWithALivelock() {
        var simulation = Simulation(seed: 1)
        // Two rounds cannot bring four nodes up (connections, handshakes, the initial sync).
        simulation.cluster.stabilizeRoundsMax = 2
        let failure = simulation.run()
        #expect(failure?.hasPrefix("livelock: cluster did not stabilize in 2 rounds") == true, "\(failure ?? "the run passed")")
    }

    @Test func theSameSeedPassesWithRoomToSettle() {
        // The control: seed 1 is in the fixed list and passes, so the failure above is the limit's.
        var simulation = Simulation(seed: 1)
        #expect(simulation.run() == nil)
    }
}
