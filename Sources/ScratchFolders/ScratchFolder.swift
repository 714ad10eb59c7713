import Foundation
import Glibc
import Synchronization
import Testing

/// Temporary folders for tests that are removed when the test that made them ends — passed,
/// failed or thrown. A `defer` in every test body was the old way, and the tests that forgot it
/// (or kept a folder in a harness) left a thousand `/tmp/tandem-*` folders behind across runs.
///
/// A suite opts in with `@Suite(.removesScratchFolders)`; inside its tests,
/// `ScratchFolder.make("tandem-ctl-")` returns a fresh folder. A process killed mid-test still
/// leaves its folders: nothing in the process runs then.
public enum ScratchFolder {
    /// What one running test made and must undo, in that order: cleanups (stop a daemon that
    /// still writes there), then folder removal.
    final class Scope: Sendable {
        struct Contents {
            var folders: [String] = []
            var cleanups: [@Sendable () async -> Void] = []
        }
        let contents = Mutex(Contents())

        func finish() async {
            let (folders, cleanups) = contents.withLock { c in
                defer { c = Contents() }
                return (c.folders, c.cleanups)
            }
            // Last registered first: a later cleanup may depend on what an earlier one started.
            for cleanup in cleanups.reversed() { await cleanup() }
            for folder in folders {
                do { try FileManager.default.removeItem(atPath: folder) } catch {
                    Issue.record("could not remove the test folder \(folder): \(error)")
                }
            }
        }
    }

    @TaskLocal static var current: Scope?

    public struct ScratchFolderError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A fresh empty folder `<temp>/<prefix>XXXXXX`, removed with its contents when the current
    /// test ends. Throws when called outside a test of a suite marked `.removesScratchFolders`,
    /// rather than make a folder nobody would remove.
    public static func make(_ prefix: String) throws -> String {
        let scope = try requireScope("make a folder")
        let temp = NSTemporaryDirectory()
        var template = Array(((temp.hasSuffix("/") ? temp : temp + "/") + prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw ScratchFolderError(description: "mkdtemp for \(prefix): \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        scope.contents.withLock { $0.folders.append(path) }
        return path
    }

    /// Runs `cleanup` when the current test ends, before its folders are removed: for whatever
    /// the test started that still uses them.
    public static func onTestEnd(_ cleanup: @escaping @Sendable () async -> Void) throws {
        try requireScope("register a cleanup").contents.withLock { $0.cleanups.append(cleanup) }
    }

    private static func requireScope(_ what: String) throws -> Scope {
        guard let scope = current else {
            throw ScratchFolderError(description: "ScratchFolder cannot \(what) outside a test whose suite has the .removesScratchFolders trait")
        }
        return scope
    }
}

/// The trait behind `.removesScratchFolders`: one `ScratchFolder.Scope` per test case.
public struct RemovesScratchFolders: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        // Per test case only: a scope around a whole suite would keep every test's folders
        // until the suite ends, and parallel tests would share it.
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let scope = ScratchFolder.Scope()
        do {
            try await ScratchFolder.$current.withValue(scope) { try await function() }
        } catch {
            await scope.finish()
            throw error
        }
        await scope.finish()
    }
}

extension Trait where Self == RemovesScratchFolders {
    /// Every folder a test makes with `ScratchFolder.make` is removed when that test ends.
    public static var removesScratchFolders: Self { RemovesScratchFolders() }
}
