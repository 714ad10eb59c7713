import Foundation
@testable import StorageProviders
import TandemModel
import Testing

/// LVM and ZFS need kernel parts many machines lack. Where they are missing the pool check must
/// say so by name; where they are present LiveLVMTests and LiveZFSTests use them for real.
@Suite struct UnavailableProviderTests {
    @Test(.enabled(if: DeviceMapper.kernelProblem() != nil, "device-mapper works here: LiveLVMTests create real volumes instead"))
    func lvmWithoutDeviceMapperNamesTheCause() throws {
        for pool in [DesiredStoragePool(name: "lvm", provider: .lvm, driverPool: "vg0"),
                     DesiredStoragePool(name: "thin", provider: .lvmThin, driverPool: "vg0/pool0")] {
            do {
                try StorageProviders.make(pool).checkPool()
                Issue.record("\(pool.provider) must not be usable without device-mapper")
            } catch {
                #expect(error.kind == .unsupported)
                #expect(error.description.contains("device-mapper"))
            }
        }
    }

    @Test(.enabled(if: CommandRunner().locate("zfs") == nil || !FileManager.default.fileExists(atPath: "/dev/zfs"), "zfs works here: LiveZFSTests create real zvols instead"))
    func zfsWithoutZFSNamesTheCause() throws {
        for kind in [StorageProviderKind.zfs, .zfsThin] {
            do {
                try StorageProviders.make(DesiredStoragePool(name: "z", provider: kind, driverPool: "tank")).checkPool()
                Issue.record("\(kind) must not be usable without zfs")
            } catch {
                #expect(error.kind == .unsupported)
                #expect(error.description.contains("ZFS") || error.description.contains("zfs"))
            }
        }
    }

    @Test func malformedDriverPoolsAreRefused() {
        #expect(throws: StorageError.self) { try LVMThinProvider(thinPool: "novg", runner: CommandRunner()).checkPool() }
        #expect(throws: StorageError.self) { try LVMProvider(volumeGroup: "vg/pool", runner: CommandRunner()).checkPool() }
    }

    @Test func zvolSizesRoundUpToTheBlockSize() {
        #expect(ZFSProvider.rounded(ByteCount(1)) == 1024 * 1024)
        #expect(ZFSProvider.rounded(.mib(64)) == 64 * 1024 * 1024)
        #expect(ZFSProvider.rounded(ByteCount(64 * 1024 * 1024 + 1)) == 65 * 1024 * 1024)
    }
}
