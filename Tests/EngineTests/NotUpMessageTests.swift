@testable import Engine
import EngineAdmin
import ScratchFolders
import Testing

/// A request naming a resource that is not up says what to do next: `tandem adm up` when its
/// file is there, and which file is missing when it is not (suggesting `up` then only led to a
/// second refusal, "no resource file …").
@Suite("Admin requests naming a resource that is not up", .removesScratchFolders)
struct NotUpMessageTests {
    @Test func theAnswerDependsOnWhetherTheResourceFileExists() async throws {
        let gate = ComingUpTests.Gate()
        gate.open.store(true, ordering: .relaxed)
        let supervisor = try ComingUpTests.engine(gate: gate)
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        await supervisor.startAll()
        _ = await supervisor.handle(AdminRequest(verb: .down, resource: "r2"))

        for verb in [AdminVerb.primary, .status] {
            let down = await supervisor.handle(AdminRequest(verb: verb, resource: "r2"))
            #expect(!down.ok && down.error == "r2: no such resource is up; run `tandem adm up r2`", "\(verb): \(down)")
            let ghost = await supervisor.handle(AdminRequest(verb: verb, resource: "ghost"))
            #expect(!ghost.ok && (ghost.error ?? "").hasPrefix("ghost: no resource file /"), "\(verb): \(ghost)")
            #expect((ghost.error ?? "").hasSuffix("/resources/ghost.res; write it first (see docs/resource-files.md)"), "\(verb): \(ghost)")
        }
        // An events stream: a name with no file is refused as status refuses it (it streamed
        // nothing forever); a resource that is down but has its file streams (it may come up).
        let ghost = await supervisor.eventsRefusal("ghost")
        #expect((ghost ?? "").hasPrefix("ghost: no resource file /") && (ghost ?? "").hasSuffix("/resources/ghost.res; write it first (see docs/resource-files.md)"),
                "\(ghost ?? "nil")")
        #expect(await supervisor.eventsRefusal("r2") == nil)
        #expect(await supervisor.eventsRefusal(nil) == nil)
        #expect(await supervisor.eventsRefusal("../r2") == "'../r2' is not a valid resource name")
    }
}
