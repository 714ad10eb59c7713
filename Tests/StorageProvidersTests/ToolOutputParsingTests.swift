@testable import StorageProviders
import TandemModel
import Testing

/// The providers' parsers on what lvm2 and zfs really print for the exact flags the providers
/// pass. The lvm2 outputs were recorded from lvm2 2.03.16 (Debian 12) on a 256 MiB loop-device
/// volume group; thin-pool and zfs outputs (which need device-mapper or the zfs module, absent
/// where these were recorded) follow the formats lvs(8) and zfs-list(8) document.
@Suite struct ToolOutputParsingTests {
    // `vgs --noheadings --units b --nosuffix --separator ';' -o vg_size,vg_free tandemrecvg`
    // after creating a 12 MiB and a 64 MiB volume.
    static let vgsRecorded = "  264241152;184549376\n"
    // `lvs --noheadings --units b --nosuffix --separator ';' -o lv_name,lv_size,data_percent tandemrecvg`
    static let lvsRecorded = "  other;67108864;\n  r1_00000;12582912;\n"

    @Test func vgsCapacity() throws {
        let capacity = try #require(LVMProvider.parseCapacity(Self.vgsRecorded))
        #expect(capacity.total == ByteCount(264_241_152))
        #expect(capacity.free == ByteCount(184_549_376))
        #expect(LVMProvider.parseCapacity("") == nil)
        #expect(LVMProvider.parseCapacity("  252.00m;100.00m\n") == nil)
    }

    @Test func lvsPlainVolumesAreFullyAllocated() {
        let found = LVMVolumes.parseVolumes(Self.lvsRecorded, volumeGroup: "tandemrecvg")
        #expect(Set(found.keys) == ["other", "r1_00000"])
        let r1 = found["r1_00000"]
        #expect(r1?.size == ByteCount(12_582_912))
        #expect(r1?.allocated == ByteCount(12_582_912))
        #expect(r1?.path == "/dev/tandemrecvg/r1_00000")
    }

    @Test func lvsThinVolumesReportTheirWrittenShare() {
        // A thin pool (listed too: lvs shows it with the group) and a thin volume 12.5 % written.
        let out = "  pool0;134217728;3.13\n  r1_00000;1073741824;12.50\n"
        let found = LVMVolumes.parseVolumes(out, volumeGroup: "vg0")
        #expect(found["r1_00000"]?.size == ByteCount(1_073_741_824))
        #expect(found["r1_00000"]?.allocated == ByteCount(134_217_728))
        // Lines that are not rows (a warning lvm2 wrote to stdout) are skipped, not misread.
        #expect(LVMVolumes.parseVolumes("  WARNING: something\n", volumeGroup: "vg0").isEmpty)
    }

    @Test func thinPoolCapacity() throws {
        let capacity = try LVMThinProvider.parseCapacity("  twi-aotz--;104857600;25.00\n", thinPool: "vg0/pool0")
        #expect(capacity.total == .mib(100))
        #expect(capacity.free == .mib(75))
        // A plain volume given as the thin pool is refused by name.
        do {
            _ = try LVMThinProvider.parseCapacity("  -wi-a-----;104857600;\n", thinPool: "vg0/data")
            Issue.record("a plain volume must not pass as a thin pool")
        } catch {
            #expect(error.kind == .poolUnavailable)
            #expect(error.message.contains("not a thin pool"))
        }
    }

    @Test func zfsCapacityIsUsedPlusAvailable() throws {
        let capacity = try #require(ZFSProvider.parseCapacity("1073741824\t9663676416\n"))
        #expect(capacity.total == ByteCount(10_737_418_240))
        #expect(capacity.free == ByteCount(9_663_676_416))
        #expect(ZFSProvider.parseCapacity("1G\t9G\n") == nil)
    }

    @Test func zfsVolumesAreDirectChildrenOnly() {
        let provider = ZFSProvider(dataset: "tank/tandem", thin: true, runner: CommandRunner())
        let out = """
        tank/tandem/r1_00000\t67108864\t4194304
        tank/tandem/r2_00000\t1073741824\t1114112000
        tank/tandem/other/deep\t1048576\t1048576
        tank/tandemx/r3_00000\t1048576\t1048576

        """
        let found = provider.parseVolumes(out)
        #expect(Set(found.keys) == ["r1_00000", "r2_00000"])
        #expect(found["r1_00000"]?.size == .mib(64))
        #expect(found["r1_00000"]?.allocated == .mib(4))
        #expect(found["r1_00000"]?.path == "/dev/zvol/tank/tandem/r1_00000")
    }

    @Test func separatedRowsKeepEmptyFields() {
        #expect(ToolTable.rows("  a;1;\n\n   \n", separator: ";") == [["a", "1", ""]])
        #expect(ToolTable.rows("x\t\t3\n", separator: "\t") == [["x", "", "3"]])
    }
}
