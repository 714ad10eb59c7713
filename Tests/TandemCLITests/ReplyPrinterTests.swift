import Foundation
import Testing
@testable import TandemCLICore

@Suite struct ReplyPrinterTests {
    let printer = ReplyPrinter(style: .plain)

    @Test func categoriesFollowTheMaskBitsOfTheWorkedValues() {
        // Values from the reference: node created, FAIL_NOT_FOUND_NODE, FAIL_EXISTS_NODE.
        #expect(ApiCallRc(retCode: 20709377, message: "").category == .success)
        #expect(ApiCallRc(retCode: -4611686018427387604, message: "").category == .error)
        #expect(ApiCallRc(retCode: -4611686018406678028, message: "").category == .error)
        #expect(ApiCallRc(retCode: Int64(bitPattern: 0x8000_0000_0000_03EA), message: "").category == .warning)
        #expect(ApiCallRc(retCode: 0x4000_0000_0000_2711, message: "").category == .info)
    }

    @Test func successWithDetailsPrintsDescriptionAndDetails() {
        let rc = ApiCallRc(retCode: 20709377, message: "New node 'bravo' registered.", details: "Node 'bravo' UUID is: 7a0c")
        #expect(printer.render(rc) == """
            SUCCESS:
            Description:
                New node 'bravo' registered.
            Details:
                Node 'bravo' UUID is: 7a0c

            """)
    }

    @Test func messageAloneHasNoDescriptionHeader() {
        #expect(printer.render(ApiCallRc(retCode: 20447233, message: "Resource definition 'r' created.")) == "SUCCESS:\n    Resource definition 'r' created.\n")
        #expect(printer.render(ApiCallRc(retCode: 0x4000_0000_0000_2713, message: "Tie breaker created")) == "INFO:     Tie breaker created\n")
    }

    @Test func errorPrintsEverySectionAndIndentsEachLine() {
        let rc = ApiCallRc(retCode: -4611686018407202314, message: "A resource 'test' on node 'drbd1' already exists.",
                           cause: "The Resource already exists", details: "Node(s): 'drbd1'\nResource: 'test'", correction: "Pick another name",
                           errorReportIds: ["5CFA0EF9-00000-000001"])
        #expect(printer.render(rc) == """
            ERROR:
            Description:
                A resource 'test' on node 'drbd1' already exists.
            Cause:
                The Resource already exists
            Correction:
                Pick another name
            Details:
                Node(s): 'drbd1'
                Resource: 'test'
            Show reports:
                5CFA0EF9-00000-000001

            """)
    }

    @Test func errorsGoToStderrAndSetExitCode10() {
        let replies = [ApiCallRc(retCode: 20709377, message: "ok"), ApiCallRc(retCode: -4611686018427387604, message: "Node 'x' not found.")]
        let (out, err) = printer.render(replies)
        #expect(out == "SUCCESS:\n    ok\n")
        #expect(err == "ERROR:\n    Node 'x' not found.\n")
        #expect(ReplyPrinter.exitCode(for: replies) == 10)
        #expect(ReplyPrinter.exitCode(for: [replies[0]]) == 0)
        let warning = ApiCallRc(retCode: Int64(bitPattern: 0x8000_0000_0000_03EA), message: "not connected")
        #expect(ReplyPrinter.exitCode(for: [warning]) == 0)
        #expect(ReplyPrinter.exitCode(for: [warning], warningsAreErrors: true) == 10)
    }

    @Test func coloursOnlyTheCategory() {
        let coloured = ReplyPrinter(style: TerminalStyle(colors: true)).render(ApiCallRc(retCode: 1, message: "m"))
        #expect(coloured == "\u{1B}[92mSUCCESS:\u{1B}[0m\n    m\n")
    }

    @Test func decodesLinstorRepliesWithSignedCodesAndOptionalFields() throws {
        let json = """
        [{"ret_code":20709377,"message":"New node 'bravo' registered.","details":"UUID","obj_refs":{"Node":"bravo"},"created_at":"2026-06-02T12:00:00.123+02:00"},
         {"ret_code":-4611686018407202314,"message":"exists","cause":"c","error_report_ids":["5CFA"],"obj_refs":{"RscDfn":"test"}}]
        """
        let replies = try Fixtures.decode([ApiCallRc].self, json)
        #expect(replies.count == 2)
        #expect(replies[0].objRefs == ["Node": "bravo"])
        #expect(replies[1].retCode == -4611686018407202314)
        #expect(replies[1].errorReportIds == ["5CFA"])
    }

    @Test func styleHonoursTerminalNoColorAndFlags() {
        #expect(TerminalStyle.decide(isTerminal: true, environment: [:], noColorFlag: false, noUTF8Flag: false).colors)
        #expect(!TerminalStyle.decide(isTerminal: false, environment: [:], noColorFlag: false, noUTF8Flag: false).colors)
        #expect(!TerminalStyle.decide(isTerminal: true, environment: ["NO_COLOR": "1"], noColorFlag: false, noUTF8Flag: false).colors)
        #expect(TerminalStyle.decide(isTerminal: true, environment: ["NO_COLOR": ""], noColorFlag: false, noUTF8Flag: false).colors)
        #expect(!TerminalStyle.decide(isTerminal: true, environment: [:], noColorFlag: true, noUTF8Flag: false).colors)
        #expect(!TerminalStyle.decide(isTerminal: true, environment: [:], noColorFlag: false, noUTF8Flag: true).utf8)
    }
}
