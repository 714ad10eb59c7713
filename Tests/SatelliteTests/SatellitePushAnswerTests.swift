@testable import Satellite
import TandemModel
import Testing

/// Which report `tandem satellite-push` takes as the satellite's answer to its push. The
/// satellite tier pushes hand-numbered generations (4, 5, …) to a satellite a controller drove
/// before, at the controller's generation (microseconds since the epoch).
@Suite("satellite-push: the answer to a push")
struct SatellitePushAnswerTests {
    static func report(generation: UInt64, disks: [String] = []) -> NodeActualState {
        let volumes = disks.enumerated().map { ActualVolume(volumeNumber: $0.offset, diskState: $0.element) }
        let resources = volumes.isEmpty ? [] : [ActualResource(name: "r3", role: "Secondary", inUse: false, volumes: volumes, connections: [])]
        return NodeActualState(appliedGeneration: generation, storagePools: [], resources: resources)
    }

    @Test func aControllersLaterGenerationIsNotTheAnswer() {
        // The report a session opens with, before the satellite read the push.
        #expect(!SatellitePushCommand.answers(Self.report(generation: 1_795_797_708_569_844), generation: 4, untilDisk: nil))
        #expect(!SatellitePushCommand.answers(Self.report(generation: 3), generation: 4, untilDisk: nil))
        #expect(SatellitePushCommand.answers(Self.report(generation: 4), generation: 4, untilDisk: nil))
    }

    @Test func untilDiskWaitsForEveryVolume() {
        #expect(!SatellitePushCommand.answers(Self.report(generation: 4), generation: 4, untilDisk: "UpToDate"), "no volume yet")
        #expect(!SatellitePushCommand.answers(Self.report(generation: 4, disks: ["UpToDate", "Inconsistent"]), generation: 4, untilDisk: "UpToDate"))
        #expect(SatellitePushCommand.answers(Self.report(generation: 4, disks: ["UpToDate", "UpToDate"]), generation: 4, untilDisk: "UpToDate"))
    }
}
