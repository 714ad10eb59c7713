import TandemModel
import Testing

/// A delta computed between two desired states turns the first into exactly the second, and a
/// delta that does not fit the state held is refused with the reason, changing nothing.
@Suite struct NodeDesiredDeltaTests {
    static func resource(_ name: String, size: UInt64 = 1024, peer: String = "beta") -> DesiredResource {
        DesiredResource(name: name, nodeId: 0, port: 7000, diskless: false,
                        volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: size, minor: 1000, storagePool: "pool1")],
                        peers: [DesiredPeer(nodeName: peer, nodeId: 1, address: "10.0.0.2", port: 7000, diskless: false)])
    }

    static func state(_ generation: UInt64, _ resources: [DesiredResource], pools: [String] = ["pool1"]) -> NodeDesiredState {
        NodeDesiredState(generation: generation, nodeName: "alpha",
                         storagePools: pools.map { DesiredStoragePool(name: $0, provider: .fileThin, driverPool: "/srv/\($0)") },
                         resources: resources)
    }

    @Test func deltaCarriesOnlyTheChangeAndRebuildsTheTargetExactly() throws {
        let base = Self.state(5, ["alpha1", "Bravo", "charlie", "delta"].map { Self.resource($0) })
        let target = Self.state(6, [Self.resource("alpha1"), Self.resource("b0"), Self.resource("Bravo", size: 2048), Self.resource("delta", peer: "gamma")],
                                pools: ["pool1", "pool2"])
        let delta = NodeDesiredDelta(from: base, to: target)
        #expect(delta.baseGeneration == 5 && delta.generation == 6)
        #expect(delta.upserts.map(\.name) == ["b0", "Bravo", "delta"])
        #expect(delta.removals == ["charlie"])
        #expect(delta.storagePools?.map(\.name) == ["pool1", "pool2"])
        #expect(try delta.applied(to: base) == target)

        let same = NodeDesiredDelta(from: target, to: Self.state(7, target.resources, pools: ["pool1", "pool2"]))
        #expect(same.changeCount == 0 && same.storagePools == nil)
        #expect(try same.applied(to: target).resources == target.resources)
    }

    @Test func aDeltaThatDoesNotFitIsRefused() throws {
        let base = Self.state(5, [Self.resource("r1"), Self.resource("r2")])
        let good = NodeDesiredDelta(from: base, to: Self.state(6, [Self.resource("r1")]))
        #expect(throws: DesiredDeltaError.wrongBase(held: 4, expected: 5)) { try good.applied(to: Self.state(4, base.resources)) }

        var unknown = good
        unknown.removals = ["r9"]
        #expect(throws: DesiredDeltaError.unknownRemoval("r9")) { try unknown.applied(to: base) }

        var twice = good
        twice.upserts = [Self.resource("r2")]
        #expect(throws: DesiredDeltaError.duplicate("r2")) { try twice.applied(to: base) }

        var backwards = good
        backwards.generation = 5
        #expect(throws: DesiredDeltaError.notNewer(base: 5, generation: 5)) { try backwards.applied(to: base) }
        #expect(DesiredDeltaError.wrongBase(held: 4, expected: 5).description.contains("holds generation 4"))
    }
}
