import ClusterWire
import Foundation
import NIOCore
import NIOPosix
@testable import Satellite
import SatelliteLink
import Synchronization
import TandemModel
import Testing

/// Delta pushes over a real TCP session: the controller's link sends the complete state first
/// and then only changes to a satellite that offers them, complete states to one that does not;
/// the real satellite realizes deltas like complete states and refuses one that does not fit.
@Suite(.serialized) struct DesiredDeltaSessionTests {
    static func resources(_ names: [String]) -> [DesiredResource] {
        names.map { n in
            DesiredResource(name: n, nodeId: 0, port: 7000, diskless: false,
                            volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 4096, minor: 1000, storagePool: "pool1")],
                            peers: [DesiredPeer(nodeName: "beta", nodeId: 1, address: "127.0.0.3", port: 7000, diskless: false)])
        }
    }

    final class Recorder: Sendable {
        let frames = Mutex<[ClusterMessage]>([])
        var desiredFrames: [ClusterMessage] {
            frames.withLock { $0.filter { if case .desiredState = $0 { true } else if case .desiredDelta = $0 { true } else { false } } }
        }
    }

    /// A "satellite" that answers the hello offering `features` and records every frame.
    static func recordingSatellite(features: [String]?) async throws -> (port: Int, frames: Recorder, task: Task<Void, Error>) {
        let recorder = Recorder()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ClusterFrameEncoder()))
                    return try NIOAsyncChannel<ClusterMessage, ClusterMessage>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let task = Task {
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    try await connection.executeThenClose { messages, outbound in
                        try await outbound.write(.hello(Hello(role: .satellite, nodeName: "", features: features)))
                        for try await m in messages { recorder.frames.withLock { $0.append(m) } }
                    }
                }
            }
        }
        return (port, recorder, task)
    }

    static func waitUntil(_ seconds: Double = 10, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(arguments: [true, false])
    func linkSendsDeltasOnlyToASatelliteThatOffersThem(_ offers: Bool) async throws {
        let (port, frames, task) = try await Self.recordingSatellite(features: offers ? [ClusterFeature.desiredDelta.rawValue] : nil)
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        let states = [
            desired(1, pool: "/p", resources: Self.resources(["r1", "r2", "r3"])),
            desired(2, pool: "/p", resources: Self.resources(["r1", "r2", "r3", "r4"])),
            desired(3, pool: "/p", resources: Self.resources(["r2", "r3", "r4"])),
        ]
        for (i, s) in states.enumerated() {
            link.push(s)
            try await Self.waitUntil { frames.desiredFrames.count == i + 1 }
        }
        let sent = frames.desiredFrames
        guard case .desiredState(let first) = sent[0] else { Issue.record("the first state of a session goes complete"); return }
        #expect(first == states[0])
        var held = first
        for (frame, expected) in zip(sent.dropFirst(), states.dropFirst()) {
            switch frame {
            case .desiredDelta(let delta):
                #expect(offers, "no delta to a satellite that does not offer them")
                #expect(delta.changeCount == 1)
                held = try delta.applied(to: held)
            case .desiredState(let s):
                #expect(!offers, "a satellite that takes deltas gets them")
                held = s
            default: Issue.record("unexpected frame \(frame)")
            }
            #expect(held == expected)
        }
        link.close()
        task.cancel()
    }

    @Test func satelliteRealizesDeltasAndRefusesOneThatDoesNotFit() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        let steps: [(UInt64, [String])] = [(1, ["r1", "r2", "r3"]), (2, ["r1", "r2", "r3", "r4"]), (3, ["r2", "r3", "r4"])]
        for (generation, names) in steps {
            link.push(desired(generation, pool: satellite.poolDir, resources: Self.resources(names)))
            let report = try await waitFor(link.events) { e -> NodeActualState? in
                if case .actualState(let s) = e, s.appliedGeneration == generation { s } else { nil }
            }
            #expect(report.resources.map(\.name).sorted() == names)
            for n in ["r1", "r2", "r3", "r4"] {
                #expect(FileManager.default.fileExists(atPath: satellite.poolDir + "/\(n)_00000.img") == names.contains(n), "generation \(generation): \(n)")
            }
        }
        link.close()

        // A delta that does not fit what the satellite holds ends the session with the reason.
        let raw = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: satellite.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ClusterFrameEncoder()))
                    return try NIOAsyncChannel<ClusterMessage, ClusterMessage>(wrappingChannelSynchronously: channel)
                }
            }
        let goodbye = try await raw.executeThenClose { inbound, outbound -> String? in
            try await outbound.write(.hello(Hello(role: .controller, nodeName: "alpha")))
            let full = desired(10, pool: satellite.poolDir, resources: Self.resources(["r2", "r3", "r4"]))
            try await outbound.write(.desiredState(full))
            var misfit = NodeDesiredDelta(from: full, to: desired(12, pool: satellite.poolDir, resources: Self.resources(["r2"])))
            misfit.baseGeneration = 11
            try await outbound.write(.desiredDelta(misfit))
            for try await m in inbound { if case .goodbye(let reason) = m { return reason } }
            return nil
        }
        #expect(goodbye?.contains("applies to generation 11") == true && goodbye?.contains("holds generation 10") == true, "\(goodbye ?? "no goodbye")")
        await satellite.stop()
    }
}
