import ClusterWire
import ControllerCore
import EngineConfig
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import Satellite
import SatelliteLink
import Synchronization
import TandemModel
import Testing

/// A satellite running in this process on 127.0.0.1 with temporary folders (no engine: the
/// engine's admin socket is absent, which the satellite must report, not hide).
final class InProcessSatellite: Sendable {
    let root: String
    let poolDir: String
    let engineDir: String
    let port: Int
    let task: Task<Void, Error>

    init(root: String? = nil, port: Int = 0) async throws {
        let root = root ?? NSTemporaryDirectory() + "tandem-sat-" + UUID().uuidString
        self.root = root
        poolDir = root + "/pool"; engineDir = root + "/engine"
        try FileManager.default.createDirectory(atPath: poolDir, withIntermediateDirectories: true)
        var settings = SatelliteAgent.Settings(stateDirectory: root + "/state", engineLayout: EngineStateLayout(stateDirectory: engineDir), replicationHost: "127.0.0.1")
        settings.retryDelayMin = .milliseconds(200)
        settings.retryDelayMax = .milliseconds(400)
        try FileManager.default.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true)
        var log = Logger(label: "test.satellite"); log.logLevel = .critical
        let agent = try SatelliteAgent(settings: settings, log: log)
        let server = SatelliteServer(host: "127.0.0.1", port: port, agent: agent, log: log)
        let bound = AsyncStream<Int>.makeStream()
        task = Task {
            // A port that cannot be bound ends the task without `onBound`: port 0 then.
            defer { bound.continuation.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await agent.run() }
                group.addTask { try await server.run { bound.continuation.yield($0?.port ?? 0); bound.continuation.finish() } }
                try await group.next()
                group.cancelAll()
            }
        }
        var it = bound.stream.makeAsyncIterator()
        self.port = await it.next() ?? 0
    }

    func stop() async { task.cancel(); _ = await task.result }
    func removeFolders() { try? FileManager.default.removeItem(atPath: root) }
}

func desired(_ generation: UInt64, pool: String, resources: [DesiredResource]) -> NodeDesiredState {
    NodeDesiredState(generation: generation, nodeName: "alpha",
                     storagePools: [DesiredStoragePool(name: "pool1", provider: .fileThin, driverPool: pool)],
                     resources: resources)
}

let oneVolume = DesiredResource(
    name: "r1", nodeId: 0, port: 7000, diskless: false,
    volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: 4096, minor: 1000, storagePool: "pool1")],
    peers: [DesiredPeer(nodeName: "beta", nodeId: 1, address: "127.0.0.3", port: 7000, diskless: false)])

/// Reads events until `match` accepts one, or fails after `seconds`.
func waitFor<T: Sendable>(_ events: AsyncStream<LinkEvent>, seconds: Double = 15, _ match: @escaping @Sendable (LinkEvent) -> T?) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            for await event in events { if let hit = match(event) { return hit } }
            return nil
        }
        group.addTask { try await Task.sleep(for: .seconds(seconds)); return nil }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw TestFailure("no matching event within \(seconds) s") }
        return first
    }
}

struct TestFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

@Suite(.serialized) struct SatelliteSessionTests {
    @Test func desiredStateIsRealizedReportedAndRemoved() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        let version = try await waitFor(link.events) { if case .connected(let v) = $0 { v } else { nil } }
        #expect(version == ClusterWire.softwareVersion)

        link.push(desired(1, pool: satellite.poolDir, resources: [oneVolume]))
        let applied = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 1, s.resources.first?.errors.isEmpty == false { s } else { nil }
        }
        let backing = satellite.poolDir + "/r1_00000.img"
        #expect(FileManager.default.fileExists(atPath: backing))
        let resFile = satellite.engineDir + "/resources/r1.res"
        let text = try String(contentsOfFile: resFile, encoding: .utf8)
        #expect(text.contains(backing))
        let pool = try #require(applied.storagePools.first)
        #expect(pool.name == "pool1" && (pool.totalCapacityKiB ?? 0) > 0 && pool.error == nil)
        let r1 = try #require(applied.resources.first)
        #expect(r1.name == "r1")
        // No engine runs in this test: the adjust fails and says why, with the socket path.
        #expect(r1.errors.contains { $0.contains("adjust r1 failed") && $0.contains("admin.sock") })
        #expect(r1.volumes.first?.allocatedKiB != nil)

        link.push(desired(2, pool: satellite.poolDir, resources: []))
        let cleared = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 2, s.resources.isEmpty { s } else { nil }
        }
        #expect(cleared.resources.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: backing))
        #expect(!FileManager.default.fileExists(atPath: resFile))
        link.close()
        await satellite.stop()
    }

    @Test func foreignFileIsReportedAndLeftAlone() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let foreign = satellite.poolDir + "/r1_00000.img"
        try Data("not yours".utf8).write(to: URL(fileURLWithPath: foreign))
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        link.push(desired(1, pool: satellite.poolDir, resources: [oneVolume]))
        let state = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 1 { s } else { nil }
        }
        #expect(state.resources.first?.errors.first?.contains("already exists") == true)
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "not yours")
        #expect(!FileManager.default.fileExists(atPath: satellite.engineDir + "/resources/r1.res"))
        link.close()
        await satellite.stop()
    }

    /// Issue #4 item 5: what cannot be realized (a volume larger than its pool, a pool folder
    /// that is missing) is reported on that resource, a resource already realized is left exactly
    /// as it was, and the failed parts are retried without a new push once the cause is gone.
    @Test func unrealizableDesiredStateIsReportedHarmsNothingAndIsRetried() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        link.push(desired(1, pool: satellite.poolDir, resources: [oneVolume]))
        _ = try await waitFor(link.events) { e -> Bool? in if case .actualState(let s) = e, s.appliedGeneration == 1 { true } else { nil } }
        let resFile = satellite.engineDir + "/resources/r1.res"
        let backing = satellite.poolDir + "/r1_00000.img"
        let before = try (FileManager.default.attributesOfItem(atPath: resFile), String(contentsOfFile: resFile, encoding: .utf8),
                          FileManager.default.attributesOfItem(atPath: backing))

        let thickDir = satellite.root + "/thick"
        let laterDir = satellite.root + "/later"
        try FileManager.default.createDirectory(atPath: thickDir, withIntermediateDirectories: true)
        func single(_ name: String, pool: String, sizeKiB: UInt64, minor: Int) -> DesiredResource {
            DesiredResource(name: name, nodeId: 0, port: 7000 + minor - 1000, diskless: false,
                            volumes: [DesiredVolume(volumeNumber: 0, sizeKiB: sizeKiB, minor: minor, storagePool: pool)], peers: [])
        }
        let tooBig = single("r2", pool: "thick", sizeKiB: 1 << 40, minor: 1001)  // 1 PiB
        let noFolder = single("r3", pool: "later", sizeKiB: 4096, minor: 1002)
        link.push(NodeDesiredState(
            generation: 2, nodeName: "alpha",
            storagePools: [DesiredStoragePool(name: "pool1", provider: .fileThin, driverPool: satellite.poolDir),
                           DesiredStoragePool(name: "thick", provider: .file, driverPool: thickDir),
                           DesiredStoragePool(name: "later", provider: .fileThin, driverPool: laterDir)],
            resources: [oneVolume, tooBig, noFolder]))
        let state = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 2 { s } else { nil }
        }
        let errors = Dictionary(uniqueKeysWithValues: state.resources.map { ($0.name, $0.errors.joined(separator: " | ")) })
        #expect(errors["r2"]?.contains("not enough free space") == true, "r2: \(errors["r2"] ?? "")")
        #expect(errors["r3"]?.contains(laterDir) == true, "r3: \(errors["r3"] ?? "")")
        #expect(errors["r1"]?.contains("free space") == false && errors["r1"]?.contains(laterDir) == false)
        #expect(state.storagePools.first { $0.name == "later" }?.error?.contains(laterDir) == true)
        #expect(!FileManager.default.fileExists(atPath: thickDir + "/r2_00000.img"), "a failed thick volume leaves nothing behind")
        // r1 untouched: same resource file (inode, mtime, text) and backing file.
        let after = try (FileManager.default.attributesOfItem(atPath: resFile), String(contentsOfFile: resFile, encoding: .utf8),
                         FileManager.default.attributesOfItem(atPath: backing))
        #expect(after.0[.systemFileNumber] as? UInt64 == before.0[.systemFileNumber] as? UInt64)
        #expect(after.0[.modificationDate] as? Date == before.0[.modificationDate] as? Date)
        #expect(after.1 == before.1)
        #expect(after.2[.modificationDate] as? Date == before.2[.modificationDate] as? Date)

        // The missing folder appears: the satellite retries by itself (no new desired state).
        try FileManager.default.createDirectory(atPath: laterDir, withIntermediateDirectories: true)
        let retried = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, FileManager.default.fileExists(atPath: laterDir + "/r3_00000.img"),
               s.storagePools.first(where: { $0.name == "later" })?.error == nil { s } else { nil }
        }
        #expect(retried.appliedGeneration == 2)
        link.close()
        await satellite.stop()
    }

    @Test func linkReconnectsToARestartedSatelliteWhichKeepsItsLedger() async throws {
        let first = try await InProcessSatellite()
        defer { first.removeFolders() }
        var options = SatelliteLinkSession.Options()
        options.reconnectDelayMin = .milliseconds(50)
        options.reconnectDelayMax = .milliseconds(200)
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: first.port, options: options)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        link.push(desired(1, pool: first.poolDir, resources: [oneVolume]))
        _ = try await waitFor(link.events) { e -> Bool? in if case .actualState(let s) = e, s.appliedGeneration == 1 { true } else { nil } }

        await first.stop()
        _ = try await waitFor(link.events) { if case .disconnected = $0 { true } else { nil } }
        let second = try await InProcessSatellite(root: first.root, port: first.port)
        _ = try await waitFor(link.events) { if case .connected = $0 { true } else { nil } }
        // The restarted satellite knows r1 is its own: it does not call the file a clash.
        link.push(desired(2, pool: first.poolDir, resources: [oneVolume]))
        let state = try await waitFor(link.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 2 { s } else { nil }
        }
        #expect(state.resources.first?.errors.contains { $0.contains("already exists") } == false)
        #expect(FileManager.default.fileExists(atPath: first.poolDir + "/r1_00000.img"))
        link.close()
        await second.stop()
    }

    @Test func restartedControllerCountingFromOneIsBelieved() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let old = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(old.events) { if case .connected = $0 { true } else { nil } }
        old.push(desired(57, pool: satellite.poolDir, resources: [oneVolume]))
        _ = try await waitFor(old.events) { e -> Bool? in if case .actualState(let s) = e, s.appliedGeneration == 57 { true } else { nil } }
        old.close()

        // A controller with a fresh database: generation 1, and r1 is no longer wanted.
        let fresh = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(fresh.events) { if case .connected = $0 { true } else { nil } }
        fresh.push(desired(1, pool: satellite.poolDir, resources: []))
        let state = try await waitFor(fresh.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 1 { s } else { nil }
        }
        #expect(state.resources.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: satellite.poolDir + "/r1_00000.img"))
        fresh.close()
        await satellite.stop()
    }

    @Test func incompatibleSatelliteIsReportedAsSuch() async throws {
        // A "satellite" of a future release: answers the hello with protocol 99.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
                    return try NIOAsyncChannel<ClusterMessage, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(server.channel.localAddress?.port)
        let serverTask = Task {
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    try await connection.executeThenClose { _, outbound in
                        var frame = ByteBuffer()
                        try ClusterWire.encode(.hello(Hello(role: .satellite, protocolVersion: 99, softwareVersion: "9.9.9", nodeName: "")), version: 99, into: &frame)
                        try await outbound.write(frame)
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
        }
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: port)
        let (version, reason) = try await waitFor(link.events) { e -> (String, String)? in
            if case .incompatibleVersion(let v, let r) = e { (v, r) } else { nil }
        }
        #expect(version == "9.9.9")
        #expect(reason.contains("version mismatch"))
        link.close()
        serverTask.cancel()
    }

    @Test func unreachableSatelliteIsReportedDisconnectedWithTheAddress() async throws {
        let link = SatelliteLinkSession(node: "alpha", host: "127.0.0.1", port: 1)
        let reason = try await waitFor(link.events) { if case .disconnected(let r) = $0 { r } else { nil } }
        #expect(reason.contains("127.0.0.1:1"))
        link.close()
    }

    @Test func listenAddressesParse() throws {
        #expect(try SatelliteCommand.parseListen(":3366") == ("0.0.0.0", 3366))
        #expect(try SatelliteCommand.parseListen("127.0.0.2:3366") == ("127.0.0.2", 3366))
        #expect(try SatelliteCommand.parseListen("[::1]:4000") == ("::1", 4000))
        #expect(throws: (any Error).self) { try SatelliteCommand.parseListen("3366") }
        #expect(throws: (any Error).self) { try SatelliteCommand.parseListen("host:99999") }
    }
}

@Suite struct TCPSatelliteConnectorTests {
    @Test func connectorOpensARealSessionTheControllerCanDrive() async throws {
        let satellite = try await InProcessSatellite()
        defer { satellite.removeFolders() }
        let connector: any SatelliteConnector = TCPSatelliteConnector()
        let session = connector.open(node: "alpha", address: "127.0.0.1", port: satellite.port)
        _ = try await waitFor(session.events) { if case .connected = $0 { true } else { nil } }
        session.push(desired(3, pool: satellite.poolDir, resources: []))
        let state = try await waitFor(session.events) { e -> NodeActualState? in
            if case .actualState(let s) = e, s.appliedGeneration == 3 { s } else { nil }
        }
        #expect(state.storagePools.first?.name == "pool1")
        session.close()
        await satellite.stop()
    }
}
