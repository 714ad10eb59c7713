import Foundation
import ScratchFolders
@testable import StorageProviders
import TandemModel
import Testing

@Suite(.removesScratchFolders) struct FileProviderTests {
    @Test func thickVolumeIsFullyAllocated() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let pool = FileProvider(directory: dir, thin: false)
        try pool.checkPool()
        let info = try pool.createVolume(named: "rsc1_00000", size: .mib(8))
        #expect(info.path == dir + "/rsc1_00000.img")
        #expect(info.size == .mib(8))
        #expect(info.allocated >= .mib(8))
        #expect(FileManager.default.fileExists(atPath: info.path))
    }

    @Test func thinVolumeIsSparse() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let pool = FileProvider(directory: dir, thin: true)
        let info = try pool.createVolume(named: "rsc1_00000", size: .mib(64))
        #expect(info.size == .mib(64))
        #expect(info.allocated < .mib(1))
    }

    @Test(arguments: [false, true])
    func growKeepsDataAndRefusesToShrink(thin: Bool) throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let pool = FileProvider(directory: dir, thin: thin)
        let info = try pool.createVolume(named: "v_00000", size: .mib(1))
        let handle = try #require(FileHandle(forWritingAtPath: info.path))
        try handle.write(contentsOf: Data("hello".utf8)); try handle.close()

        try pool.growVolume(named: "v_00000", to: .mib(4))
        #expect(try pool.volume(named: "v_00000")?.size == .mib(4))
        let head = try Data(contentsOf: URL(fileURLWithPath: info.path)).prefix(5)
        #expect(String(decoding: head, as: UTF8.self) == "hello")
        // Growing to the same size again is a no-op (the step may be retried).
        try pool.growVolume(named: "v_00000", to: .mib(4))

        #expect(throws: StorageError.self) { try pool.growVolume(named: "v_00000", to: .mib(2)) }
        #expect(try pool.volume(named: "v_00000")?.size == .mib(4))
    }

    @Test func deleteRemovesTheFileAndIsIdempotent() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let pool = FileProvider(directory: dir, thin: true)
        let info = try pool.createVolume(named: "gone_00000", size: .mib(1))
        try pool.deleteVolume(named: "gone_00000")
        #expect(!FileManager.default.fileExists(atPath: info.path))
        #expect(try pool.volume(named: "gone_00000") == nil)
        try pool.deleteVolume(named: "gone_00000")
    }

    @Test func existingFileIsANameClashAndIsLeftAlone() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let foreign = dir + "/taken_00000.img"
        try Data("someone else's data".utf8).write(to: URL(fileURLWithPath: foreign))
        let pool = FileProvider(directory: dir, thin: false)
        do {
            _ = try pool.createVolume(named: "taken_00000", size: .mib(1))
            Issue.record("creating over an existing file must fail")
        } catch {
            #expect(error.kind == .nameClash)
            #expect(error.description.contains(foreign))
        }
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "someone else's data")
    }

    @Test func missingDirectoryIsNamed() throws {
        let pool = FileProvider(directory: "/nonexistent/tandem/pool", thin: true)
        do {
            try pool.checkPool()
            Issue.record("a missing directory must not be usable")
        } catch {
            #expect(error.kind == .poolUnavailable)
            #expect(error.description.contains("/nonexistent/tandem/pool"))
            #expect(error.description.contains("No such file or directory"))
        }
        #expect(throws: StorageError.self) { _ = try pool.createVolume(named: "x_00000", size: .mib(1)) }
    }

    @Test func relativeOrFilePathIsRefused() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        #expect(throws: StorageError.self) { try FileProvider(directory: "relative/dir", thin: true).checkPool() }
        let file = dir + "/plain"
        try Data().write(to: URL(fileURLWithPath: file))
        #expect(throws: StorageError.self) { try FileProvider(directory: file, thin: true).checkPool() }
    }

    @Test func capacityComesFromTheFilesystem() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let thick = FileProvider(directory: dir, thin: false)
        let before = try #require(try thick.capacity())
        #expect(before.total > .zero)
        #expect(before.free <= before.total)
        // The filesystem is shared with other processes, so free space is not compared before
        // and after; the numbers must be those of the folder's filesystem, in bytes.
        let thin = try #require(try FileProvider(directory: dir, thin: true).capacity())
        #expect(thin.total == before.total)
        #expect(before.total.rawValue % 512 == 0)
    }

    @Test func thickVolumeLargerThanThePoolFailsAsFullAndLeavesNothing() throws {
        let dir = try ScratchFolder.make("tandem-sp-")
        let pool = FileProvider(directory: dir, thin: false)
        let free = try #require(try pool.capacity()).free
        do {
            _ = try pool.createVolume(named: "huge_00000", size: ByteCount(free.rawValue + ByteCount.gibi * 1024))
            Issue.record("a volume larger than the free space must not be created")
        } catch {
            #expect(error.kind == .poolFull || error.kind == .failed)
        }
        #expect(try pool.volume(named: "huge_00000") == nil)
    }


    @Test func disklessPoolHoldsNothing() throws {
        let pool = StorageProviders.make(DesiredStoragePool(name: "DfltDisklessStorPool", provider: .diskless, driverPool: ""))
        try pool.checkPool()
        #expect(try pool.capacity() == nil)
        #expect(throws: StorageError.self) { _ = try pool.createVolume(named: "x_00000", size: .mib(1)) }
    }
}

extension ByteCount {
    static let zero = ByteCount(0)
}
