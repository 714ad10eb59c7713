import NIOCore
import Testing
@testable import NBDProtocol

/// Option data that does not match its option is answered with NBD_REP_ERR_INVALID (not a
/// dropped connection), so each bad shape gets a precise reason.
@Suite struct NBDOptionParsingTests {
    func request(_ code: NBDOptionCode, _ build: (inout ByteBuffer) -> Void) -> NBDOptionRequest {
        var data = ByteBuffer()
        build(&data)
        return NBDOptionRequest(code: code, data: data)
    }

    @Test func listWithDataIsInvalid() {
        let bad = request(.list) { $0.writeString("x") }
        #expect(throws: NBDOptionDataError.self) { try bad.parse().get() }
    }

    @Test func goWithNameLongerThanDataIsInvalid() {
        let bad = request(.go) { $0.writeInteger(UInt32(100)); $0.writeString("short") }
        #expect(throws: NBDOptionDataError.self) { try bad.parse().get() }
    }

    @Test func goWithWrongInfoCountIsInvalid() {
        let bad = request(.go) { $0.writeInteger(UInt32(1)); $0.writeString("r"); $0.writeInteger(UInt16(3)); $0.writeInteger(UInt16(3)) }
        #expect(throws: NBDOptionDataError.self) { try bad.parse().get() }
    }

    @Test func goWithoutInfoCountIsInvalid() {
        let bad = request(.info) { $0.writeInteger(UInt32(1)); $0.writeString("r") }
        #expect(throws: NBDOptionDataError.self) { try bad.parse().get() }
    }

    @Test func namesMustBeUTF8WithoutNUL() {
        #expect(throws: NBDOptionDataError.self) { try request(.exportName) { $0.writeBytes([0xff, 0xfe]) }.parse().get() }
        #expect(throws: NBDOptionDataError.self) { try request(.exportName) { $0.writeBytes([0x41, 0, 0x42]) }.parse().get() }
    }

    @Test func namesLongerThanTheSpecLimitAreInvalid() throws {
        let long = String(repeating: "a", count: 4097)
        #expect(throws: NBDOptionDataError.self) { try request(.exportName) { $0.writeString(long) }.parse().get() }
        let ok = String(repeating: "a", count: 4096)
        #expect(try request(.exportName) { $0.writeString(ok) }.parse().get() == .exportName(ok))
    }
}
