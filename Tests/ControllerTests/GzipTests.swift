@testable import Controller
import CZlib
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ScratchFolders
import Testing

/// gzip answers for clients that ask (python-linstor always does), checked by inflating them
/// with zlib.
@Suite(.removesScratchFolders) struct GzipTests {
    static func gunzip(_ compressed: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        #expect(inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { inflateEnd(&stream) }
        var input = compressed
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var rc = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { outBuf -> Int in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                out += chunk[..<produced]
            } while rc == Z_OK
        }
        #expect(rc == Z_STREAM_END, "a complete gzip stream")
        return out
    }

    @Test("Accept-Encoding values", arguments: [
        (["gzip"], true), (["deflate, gzip;q=0.8"], true), (["*"], true), (["gzip, deflate"], true),
        (["gzip;q=0"], false), (["identity"], false), ([], false), (["br", "GZIP"], true),
    ])
    func acceptEncoding(values: [String], accepted: Bool) {
        #expect(GzipMiddleware<BasicRequestContext>.acceptsGzip(values) == accepted)
    }

    @Test func compressedPiecesInflateToTheOriginal() throws {
        let text = (0..<20_000).map { #"{"name":"res\#($0)","node_name":"node\#($0 % 100)"}"# }.joined(separator: ",")
        let original = Array(text.utf8)
        let gz = GzipCompressor()
        var compressed: [UInt8] = []
        var offset = 0
        while offset < original.count {
            let end = min(offset + 100_000, original.count)
            compressed += Array(buffer: gz.compress(ByteBuffer(bytes: original[offset..<end]), finish: false))
            offset = end
        }
        compressed += Array(buffer: gz.compress(ByteBuffer(), finish: true))
        #expect(compressed.count < original.count / 5)
        #expect(try Self.gunzip(compressed) == original)
    }

    @Test func largeAnswersAreGzippedSmallOnesAndUnaskedOnesNot() async throws {
        let h = try await RestRouteTests.harness()
        try await h.app.test(.router) { c in
            try await RestRouteTests.setUpCluster(c)
            var gzip = HTTPFields()
            gzip[.acceptEncoding] = "gzip, deflate"
            let plain = try await c.execute(uri: "/v1/nodes", method: .get) { Array(buffer: $0.body) }
            #expect(plain.count >= 1024)
            let (encoding, compressed) = try await c.execute(uri: "/v1/nodes", method: .get, headers: gzip) { response in
                (response.headers[.contentEncoding], Array(buffer: response.body))
            }
            #expect(encoding == "gzip")
            #expect(try Self.gunzip(compressed) == plain)
            try await c.execute(uri: "/v1/nodes", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
            try await c.execute(uri: "/v1/controller/version", method: .get, headers: gzip) { response in
                #expect(response.headers[.contentEncoding] == nil, "a few hundred bytes are not worth compressing")
            }
        }
        await h.controller.stop()
    }
}
