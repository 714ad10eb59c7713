#if canImport(Glibc)
import Glibc
#endif

/// MUTATION BRANCH ONLY (review, session 25): runtime switches that turn single rules off, so
/// one release bundle serves every mutation of a landing. `MUT=T1,P2` switches T1 and P2 on.
/// Never landed.
let mutationSwitches: Set<String> = {
    guard let raw = getenv("MUT") else { return [] }
    return Set(String(cString: raw).split(separator: ",").map(String.init))
}()

func mut(_ name: String) -> Bool { !mutationSwitches.isEmpty && mutationSwitches.contains(name) }
