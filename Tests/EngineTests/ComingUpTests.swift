@testable import Engine
import EngineAdmin
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import ScratchFolders
import Synchronization
import Testing

/// `tandem adm primary r2` right after the engine started, while it is still bringing up r1:
/// bench/engine failed with "r2: no such resource is up" under load. Like `drbdadm primary` on a
/// resource being brought up, the request now waits for it (bounded), then acts or says the
/// resource is still coming up. r1's bring-up is held at the supervisor's `beforeBringingUp`
/// hook, so the race is forced rather than hoped for.
@Suite("Admin requests while resources come up", .removesScratchFolders)
struct ComingUpTests {
    /// Holds the bring-up of r1 until opened; `entered` says the bring-up reached the hook.
    final class Gate: Sendable {
        let entered = Atomic<Bool>(false)
        let open = Atomic<Bool>(false)

        func hold(_ name: String) async {
            guard name == "r1" else { return }
            entered.store(true, ordering: .relaxed)
            while !open.load(ordering: .relaxed) { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// An engine folder with two single-node resources, r1 and r2, and its supervisor.
    static func engine(gate: Gate, comingUpWaitMax: Duration = .seconds(30)) throws -> EngineSupervisor {
        let dir = try ScratchFolder.make("tandem-coming-up-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        // Two resources, two listeners: reserving one port let a test running beside this one
        // take r2's (the CI gate failed on "Address already in use").
        let port = TestPorts.reserve(2)
        for (i, name) in ["r1", "r2"].enumerated() {
            #expect(FileManager.default.createFile(atPath: "\(dir)/\(name).img", contents: Data(count: 8 << 20)))
            try TestResourceFile.text(name, disk: "\(dir)/\(name).img", minor: 1010 + i, on: .init(name: "alpha", id: 0, port: port + i))
                .write(toFile: "\(dir)/resources/\(name).res", atomically: true, encoding: .utf8)
        }
        return EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(), nbdSocketPath: nil,
                                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"),
                                comingUpWaitMax: comingUpWaitMax, beforeBringingUp: gate.hold)
    }

    /// Starts the engine's bring-up of every resource and returns once r1's is held.
    static func startHeld(_ supervisor: EngineSupervisor, _ gate: Gate) async throws -> Task<Void, Never> {
        let start = Task { await supervisor.startAll() }
        for _ in 0..<500 where !gate.entered.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
        let entered = gate.entered.load(ordering: .relaxed)
        try #require(entered, "r1's bring-up never started")
        return start
    }

    @Test func primaryOnAResourceStillComingUpWaitsForIt() async throws {
        let gate = Gate()
        let supervisor = try Self.engine(gate: gate)
        try ScratchFolder.onTestEnd { gate.open.store(true, ordering: .relaxed); await supervisor.stopAll() }
        let start = try await Self.startHeld(supervisor, gate)

        let answered = Atomic<Bool>(false)
        let primary = Task {
            let response = await supervisor.handle(AdminRequest(verb: .primary, resource: "r2", force: true))
            answered.store(true, ordering: .relaxed)
            return response
        }
        // Before the fix the answer came at once: "r2: no such resource is up".
        try await Task.sleep(for: .milliseconds(300))
        if answered.load(ordering: .relaxed) {
            let early = await primary.value
            Issue.record("primary answered while r2 was still queued behind r1: ok \(early.ok), \(early.error ?? "")")
        }

        gate.open.store(true, ordering: .relaxed)
        let response = await primary.value
        #expect(response.ok, "\(response.error ?? "")")
        #expect(response.resources?.first { $0.name == "r2" }?.role == "Primary")
        await start.value
    }

    @Test func theWaitIsBoundedAndSaysTheResourceIsStillComingUp() async throws {
        let gate = Gate()
        let supervisor = try Self.engine(gate: gate, comingUpWaitMax: .milliseconds(200))
        try ScratchFolder.onTestEnd { gate.open.store(true, ordering: .relaxed); await supervisor.stopAll() }
        let start = try await Self.startHeld(supervisor, gate)

        for request in [AdminRequest(verb: .primary, resource: "r1", force: true), AdminRequest(verb: .primary, resource: "r2", force: true),
                        AdminRequest(verb: .status, resource: "r2"), AdminRequest(verb: .primary, force: true)] {
            let response = await supervisor.handle(request)
            #expect(!response.ok && (response.error ?? "").contains("still coming up"), "\(request.verb) \(request.resource ?? "all"): \(response)")
        }
        // Once up, the same request succeeds: nothing was half done by the refusals.
        gate.open.store(true, ordering: .relaxed)
        await start.value
        let response = await supervisor.handle(AdminRequest(verb: .primary, resource: "r2", force: true))
        #expect(response.ok, "\(response.error ?? "")")
    }
}
