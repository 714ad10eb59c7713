#if canImport(Glibc)
import Glibc
#endif

/// MUTATION BRANCH ONLY (review): runtime switches that turn single rules off, so one build
/// serves every mutation of a landing. Never landed.
func mut(_ name: String) -> Bool { getenv("MUT_" + name) != nil }
