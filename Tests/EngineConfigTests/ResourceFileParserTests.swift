import EngineConfig
import Testing
import TandemModel

@Suite("Resource file parser and writer")
struct ResourceFileParserTests {
    static let sample = """
    # written by hand
    resource backups {
        protocol C;
        options { quorum majority; on-no-quorum io-error; c-max-rate 200MiB; }
        volume 0 {
            size 1GiB;
            minor 1000;
            disk "/var/lib/tandem/pools/file pool/backups_00000";
        }
        on alpha { node-id 0; address 127.0.0.1:7000; }
        peer gamma { node-id 2; address 127.0.0.3:7000; diskless yes; }
        peer beta { node-id 1; address [::1]:7001; }
    }
    """

    func parse(_ text: String) throws(ResourceFileError) -> ResourceConfig {
        try ResourceFileParser.parse(text, file: "/x/backups.res")
    }

    @Test("a hand-written file parses into the expected values")
    func parsesSample() throws {
        let c = try parse(Self.sample)
        #expect(c.name == "backups" && c.nodeName == "alpha" && c.nodeId == 0)
        #expect(c.address == EndpointAddress(host: "127.0.0.1", port: 7000))
        #expect(c.volumes == [VolumeConfig(number: 0, size: .gib(1), minor: 1000, backingPath: "/var/lib/tandem/pools/file pool/backups_00000")])
        #expect(c.peers.map(\.nodeName) == ["beta", "gamma"])
        #expect(c.peers[0].address == EndpointAddress(host: "::1", port: 7001))
        #expect(c.peers[1].diskless)
        #expect(c.options.quorum == .majority && c.options.onNoQuorum == .ioError)
        #expect(c.options.resyncRateMax == .mib(200))
    }

    @Test("canonical text parses back to the same config, and is a fixed point")
    func roundtrip() throws {
        let c = try parse(Self.sample)
        let text = ResourceFileWriter.canonicalText(c)
        let again = try parse(text)
        #expect(again == c)
        #expect(ResourceFileWriter.canonicalText(again) == text)
        #expect(text.contains("disk \"/var/lib/tandem/pools/file pool/backups_00000\";"))
        #expect(text.contains("    address [::1]:7001;"))
    }

    @Test("a diskless node writes and reads 'disk none'")
    func disklessRoundtrip() throws {
        var c = try parse(Self.sample)
        c.volumes[0].backingPath = nil
        let text = ResourceFileWriter.canonicalText(c)
        #expect(text.contains("disk none;"))
        #expect(try parse(text).isDiskless)
    }

    @Test("errors name the file and the line", arguments: [
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n  on a { node-id 0; address 1.2.3.4:7000; }\n  options { quorom majority; }\n}", 4, "unknown option 'quorom'"),
        ("resource r {\n  protocol B;\n}", 2, "protocol must be A or C"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n  on a { node-id 0; address 1.2.3.4; }\n}", 3, "HOST:PORT"),
        ("resource r {\n  volume 0 { size 1G minor 1; disk /a; }\n}", 2, "expected ';'"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n  on a { node-id 32; address 1.2.3.4:1; }\n}", 3, "node-id must be 0...31"),
        ("resource r {\n  volume 0 { size 1G; size 2G; }\n}", 2, "'size' is given twice"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk relative/path; }\n}", 2, "absolute path"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n  on a { node-id 0; address 1.2.3.4:1; }\n", 1, "not closed"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n  on a { node-id 0; address 1.2.3.4:1; }\n} extra", 4, "after the end"),
        ("resource r {\n  volume 0 { size 12Q; minor 1; disk /a; }\n}", 2, "unknown unit"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk \"/a; }\n}", 2, "does not end on its line"),
        ("", 1, "the file is empty"),
        ("resource r {\n  on a { node-id 0; address 1.2.3.4:1; }\n}", 1, "no volume section"),
        ("resource r {\n  volume 0 { size 1G; minor 1; disk /a; }\n}", 1, "missing 'on NODE"),
    ] as [(String, Int, String)])
    func errorsNameLine(text: String, line: Int, fragment: String) {
        do {
            _ = try parse(text)
            Issue.record("expected an error containing '\(fragment)'")
        } catch {
            #expect(error.file == "/x/backups.res")
            #expect(error.line == line, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("/x/backups.res:"))
        }
    }

    @Test("cross-field rules are enforced", arguments: [
        ("peer b { node-id 0; address 1.2.3.5:1; }", "node-id 0 is used twice"),
        ("peer a { node-id 1; address 1.2.3.5:1; }", "node name a is used twice"),
        ("peer b { node-id 1; address 1.2.3.4:1; }", "own address"),
        ("volume 1 { size 1G; minor 1; disk /b; }", "minor 1 is used by two volumes"),
        ("volume 1 { size 1G; minor 2; disk /a; }", "backs two volumes"),
        ("volume 1 { size 1000; minor 2; disk /b; }", "multiple of 4 KiB"),
        ("volume 1 { size 1G; minor 2; disk none; }", "either every volume has a disk"),
        ("options { quorum 3; }", "option quorum does not accept '3'"),
    ] as [(String, String)])
    func crossFieldRules(extra: String, fragment: String) {
        let text = "resource r {\n volume 0 { size 1G; minor 1; disk /a; }\n on a { node-id 0; address 1.2.3.4:1; }\n \(extra)\n}"
        do {
            _ = try parse(text)
            Issue.record("expected an error containing '\(fragment)'")
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test("every option has a canonical form that parses back")
    func optionsRoundtrip() throws {
        var o = ResourceOptions()
        for (key, value) in [("quorum", "all"), ("on-no-quorum", "io-error"), ("auto-promote", "no"), ("c-max-rate", "1536MiB"),
                             ("c-min-rate", "512KiB"), ("skip-initial-sync", "yes"), ("ping-int", "3"), ("ping-timeout", "2"),
                             ("connect-int", "4"), ("al-extents", "64"), ("auto-promote-timeout", "5"),
                             ("c-fill-target", "24MiB")] {
            #expect(o.set(key, value) == nil)
        }
        var again = ResourceOptions()
        for (key, value) in o.canonicalPairs { #expect(again.set(key, value) == nil) }
        #expect(again == o)
        #expect(o.canonicalPairs.map(\.0) == ResourceOptions.keys.map(\.key))
        #expect(o.set("ping-int", "0")?.message.contains("1...120") == true)
        #expect(o.resyncFillTarget?.rawValue == 24 << 20)
        // Outside 1 MiB...256 MiB it is refused, saying what is accepted; 0 means the default.
        #expect(o.set("c-fill-target", "512KiB")?.message.contains("1MiB-256MiB") == true)
        #expect(o.set("c-fill-target", "1GiB") != nil)
        #expect(o.set("c-fill-target", "0") == nil && o.resyncFillTarget == nil)
    }
}
