import CZlib
import Foundation
import Hummingbird
import NIOCore

/// gzip (RFC 1952) over a response written piece by piece. python-linstor and the linstor
/// client always send `Accept-Encoding: gzip`, and LINSTOR answers compressed; the JSON of a
/// large view shrinks about tenfold. Level 1: on a LAN the CPU, not the wire, is the limit.
final class GzipCompressor {
    private var stream = z_stream()
    private var finished = false

    init(level: Int32 = 1) {
        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        let rc = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK, "zlib deflateInit2 failed (\(rc))")
    }

    deinit { deflateEnd(&stream) }

    /// Compresses all of `input` and returns what zlib has ready; `finish` ends the stream
    /// (the gzip trailer). Nothing may follow a finished call.
    func compress(_ input: ByteBuffer, finish: Bool) -> ByteBuffer {
        precondition(!finished, "gzip stream already finished")
        var out = ByteBuffer()
        input.withUnsafeReadableBytes { inBytes in
            // zlib does not write through next_in (its z_const); the cast only satisfies the C type.
            stream.next_in = inBytes.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            stream.avail_in = uInt(inBytes.count)
            while true {
                var rc = Z_OK
                out.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 << 10) { outBytes in
                    stream.next_out = outBytes.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(outBytes.count)
                    rc = deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return outBytes.count - Int(stream.avail_out)
                }
                if rc == Z_STREAM_END || rc == Z_STREAM_ERROR { break }
                // Without finish, done once all input is taken and zlib had room to spare.
                if !finish, stream.avail_in == 0, stream.avail_out > 0 { break }
            }
            stream.next_in = nil
            stream.avail_in = 0
        }
        if finish { finished = true }
        return out
    }
}

/// Hands everything written to it through a GzipCompressor to the real writer.
struct GzipResponseBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let compressor = GzipCompressor()

    mutating func write(_ buffer: ByteBuffer) async throws {
        let out = compressor.compress(buffer, finish: false)
        if out.readableBytes > 0 { try await parent.write(out) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.write(compressor.compress(ByteBuffer(), finish: true))
        try await parent.finish(trailingHeaders)
    }
}

/// Compresses answers of 1 KiB and more (and every streamed one) for clients that accept gzip.
struct GzipMiddleware<Context: RequestContext>: RouterMiddleware {
    static var thresholdBytes: Int { 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Self.acceptsGzip(request.headers[values: .acceptEncoding]), response.headers[.contentEncoding] == nil,
              (response.body.contentLength ?? Int.max) >= Self.thresholdBytes else { return response }
        let original = response.body
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        response.body = ResponseBody { writer in
            try await original.write(GzipResponseBodyWriter(parent: writer))
        }
        return response
    }

    /// "gzip", "deflate, gzip;q=0.8", "*": yes; "gzip;q=0", "identity": no.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let coding = parts.first?.lowercased(), coding == "gzip" || coding == "*" else { continue }
                let q = parts.dropFirst().first { $0.lowercased().hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                if q > 0 { return true }
            }
        }
        return false
    }
}
