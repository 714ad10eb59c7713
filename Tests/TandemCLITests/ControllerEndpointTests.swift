import Testing
@testable import TandemCLICore

@Suite struct ControllerEndpointTests {
    @Test(arguments: [
        ("ctrl1", "ctrl1", 3370), ("ctrl1:3380", "ctrl1", 3380), ("linstor://10.0.0.1", "10.0.0.1", 3370),
        ("linstor://10.0.0.1:4000/", "10.0.0.1", 4000), ("http://h:1", "h", 1), ("[::1]:3371", "::1", 3371),
        ("[fe80::1]", "fe80::1", 3370), ("::1", "::1", 3370), (" spaced ", "spaced", 3370),
    ])
    func parsesTheFormsLinstorAccepts(entry: String, host: String, port: Int) throws {
        #expect(try ControllerEndpoint.parse(entry) == ControllerEndpoint(host: host, port: port))
    }

    @Test(arguments: ["", "h:0", "h:70000", "h:port", "linstor+ssl://h", "https://h", "ftp://h", "[::1", "h/path", ":3370"])
    func rejectsWithAReason(entry: String) {
        #expect(throws: ControllerListError.self) { try ControllerEndpoint.parse(entry) }
    }

    @Test func flagEntriesComeBeforeEnvironmentEntriesAndDuplicatesAreDropped() throws {
        let list = try ControllerEndpoint.list(flag: "a,b:1", environment: "c, a ,d")
        #expect(list.map(\.description) == ["linstor://a:3370", "linstor://b:1", "linstor://c:3370", "linstor://d:3370"])
    }

    @Test func defaultsToLocalhost() throws {
        #expect(try ControllerEndpoint.list(flag: nil, environment: nil) == [ControllerEndpoint(host: "localhost", port: 3370)])
        #expect(try ControllerEndpoint.list(flag: "", environment: ",") == [ControllerEndpoint(host: "localhost", port: 3370)])
    }

    @Test func reportsTheBadEntry() {
        do {
            _ = try ControllerEndpoint.list(flag: "good", environment: "bad:99999")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "invalid controller 'bad:99999': '99999' is not a TCP port (1-65535)")
        }
    }

    @Test func hostHeaderBracketsIPv6() {
        #expect(ControllerEndpoint(host: "::1", port: 3370).hostHeader == "[::1]:3370")
        #expect(ControllerEndpoint(host: "::1", port: 3370).description == "linstor://[::1]:3370")
    }
}
