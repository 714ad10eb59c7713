import Foundation
@testable import ScratchFolders
import Synchronization
import Testing

/// The trait runs here around a test body of our own, so what it leaves behind can be checked
/// after it has returned.
@Suite struct ScratchFolderTests {
    struct BodyFailed: Error {}

    /// Runs `body` in the scope the trait gives one test case; returns what it made.
    static func runScoped(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let test = try #require(Test.current)
        try await RemovesScratchFolders().provideScope(for: test, testCase: Test.Case.current, performing: body)
    }

    @Test func foldersAreRemovedWhenTheTestEndsAfterItsCleanups() async throws {
        let made = Mutex<[String]>([])
        let stillThereAtCleanup = Mutex<Bool?>(nil)
        try await Self.runScoped {
            let a = try ScratchFolder.make("tandem-scratch-test-")
            let b = try ScratchFolder.make("tandem-scratch-test-")
            #expect(a != b)
            try FileManager.default.createDirectory(atPath: a + "/sub", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: a + "/sub/file", contents: Data([1, 2, 3])))
            try ScratchFolder.onTestEnd { stillThereAtCleanup.withLock { $0 = FileManager.default.fileExists(atPath: a + "/sub/file") } }
            made.withLock { $0 = [a, b] }
        }
        let folders = made.withLock { $0 }
        #expect(folders.count == 2)
        #expect(folders.allSatisfy { $0.hasPrefix(NSTemporaryDirectory()) && !FileManager.default.fileExists(atPath: $0) })
        #expect(stillThereAtCleanup.withLock { $0 } == true, "the cleanup ran before the folder went")
    }

    @Test func aTestThatThrowsStillLosesItsFolders() async throws {
        let made = Mutex<String?>(nil)
        await #expect(throws: BodyFailed.self) {
            try await Self.runScoped {
                let path = try ScratchFolder.make("tandem-scratch-test-")
                made.withLock { $0 = path }
                throw BodyFailed()
            }
        }
        let path = try #require(made.withLock { $0 })
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func outsideTheTraitNothingIsMadeAndTheErrorNamesTheTrait() throws {
        // This suite has no trait: a folder made here would never be removed.
        #expect(ScratchFolder.current == nil)
        let before = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("tandem-scratch-outside-") }
        let error = #expect(throws: ScratchFolder.ScratchFolderError.self) { try ScratchFolder.make("tandem-scratch-outside-") }
        #expect(error?.description.contains(".removesScratchFolders") == true)
        let after = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("tandem-scratch-outside-") }
        #expect(after == before)
        #expect(throws: ScratchFolder.ScratchFolderError.self) { try ScratchFolder.onTestEnd {} }
    }
}
