import DescriptorIO
import Testing

@Suite struct KernelFileReaderTests {
    /// /proc/self/maps of a test process is well past one page, and "[stack]" is among its last
    /// lines: a reader that stops after the first read (Foundation's) never reaches it.
    @Test func aProcFileIsReadPastItsFirstPage() throws {
        let text = try #require(KernelFileReader.text("/proc/self/maps"))
        #expect(text.utf8.count > 8192, "a test process maps more than two pages of text")
        #expect(text.contains("[stack]"))
        #expect(text.hasSuffix("\n"), "the last line is whole")
    }

    @Test func theLimitBoundsWhatIsRead() throws {
        let text = try #require(KernelFileReader.text("/proc/self/maps", limit: 100))
        #expect(text.utf8.count == 100)
    }

    @Test func aMissingFileIsNil() {
        #expect(KernelFileReader.text("/proc/self/no-such-file") == nil)
    }
}
