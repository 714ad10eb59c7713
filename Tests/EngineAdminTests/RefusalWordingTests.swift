import EngineAdminClient
import Testing

/// The engine starts a refusal with the resource's name, which a command run on every resource
/// needs; a command line that names the resource already says it.
@Suite("Admin client: a refusal for a named resource does not repeat its name")
struct RefusalWordingTests {
    @Test("the engine's leading 'RES: ' goes when the command named RES, and only then")
    func leadingNameDropped() {
        let refusal = EngineAdminError.refused("r0: r0 is VerifyS with node 0 (alpha); invalidate once that ends")
        #expect(refusal.description(forCommandNaming: "r0") == "r0 is VerifyS with node 0 (alpha); invalidate once that ends")
        // Every resource: the name is the only place that says which refused.
        #expect(refusal.description(forCommandNaming: nil) == refusal.description)
        // Another resource's name, or one this name is only a prefix of, stays.
        #expect(refusal.description(forCommandNaming: "r") == refusal.description)
        #expect(EngineAdminError.refused("r01: no such resource is up").description(forCommandNaming: "r0")
                == "r01: no such resource is up")
        // Not a refusal: the socket path is the message, whatever the command named.
        let unreachable = EngineAdminError.unreachable("/x/run/admin.sock", "no socket there")
        #expect(unreachable.description(forCommandNaming: "r0") == unreachable.description)
    }
}
