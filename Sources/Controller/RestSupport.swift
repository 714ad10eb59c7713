import ControllerCore
import Foundation
import Hummingbird
import NIOCore
import TandemModel

/// Response helpers shared by all routes.
enum Rest {
    /// Largest request body accepted (LINSTOR requests are small; a spawn or a 32-node resource
    /// create is a few KiB).
    static let bodyBytesMax = 1 << 20

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON answer written piece by piece (chunked transfer encoding): `produce` calls its
    /// argument with each piece. With `contentEncoding`, the pieces are already encoded so
    /// (the gzip middleware leaves such answers alone).
    static func jsonStream(contentEncoding: String? = nil, _ produce: @escaping @Sendable (_ emit: (ByteBuffer) async throws -> Void) async throws -> Void) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let contentEncoding { headers[.contentEncoding] = contentEncoding }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await produce { bytes in try await writer.write(bytes) }
            try await writer.finish(nil)
        })
    }

    /// An ApiCallRc list with LINSTOR's status mapping: `success` when nothing failed; else
    /// 404 for "not found" codes (300–399), 403 for access codes (400–499), 400 for unparseable
    /// input, 500 for everything else (LINSTOR answers "already exists" with 500 too).
    static func rcs(_ rcs: [ApiCallRc], success: HTTPResponse.Status) -> Response {
        json(Views.apiCallRcs(rcs, nowISO: nowISO()), status: status(for: rcs, success: success))
    }

    static func status(for rcs: [ApiCallRc], success: HTTPResponse.Status) -> HTTPResponse.Status {
        guard let error = rcs.first(where: \.isError) else { return success }
        if error.retCode == RequestBody.parseErrorCode { return .badRequest }
        switch error.code {
        case 300..<400: return .notFound
        case 400..<500: return .forbidden
        default: return .internalServerError
        }
    }

    /// LINSTOR's `created_at`: RFC 3339 in UTC with milliseconds.
    static func nowISO() -> String {
        CivilTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))).iso8601UTCText
    }

    static func body(_ request: Request) async throws(ApiError) -> [UInt8] {
        do {
            var buffer = try await request.body.collect(upTo: bodyBytesMax)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw ApiError(.error(.none, .none, .invalidRequest, "The request body is larger than \(bodyBytesMax / 1024) KiB and was refused."))
        }
    }

    /// Repeated query keys (`?nodes=a&nodes=b`), upper-cased as names are case-insensitive.
    static func nameFilter(_ request: Request, _ key: String) -> Set<String>? {
        let values = request.uri.queryParameters.getAll(key).flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        return values.isEmpty ? nil : Set(values.map(Naming.key))
    }

    /// `props=KEY=VALUE` or `props=KEY` filters.
    static func propFilters(_ request: Request) -> [(key: String, value: String?)] {
        request.uri.queryParameters.getAll("props").map { p in
            if let eq = p.firstIndex(of: "=") { return (String(p[..<eq]), String(p[p.index(after: eq)...])) }
            return (p, nil)
        }
    }

    static func notFound(_ rc: ApiCallRc) -> Response { rcs([rc], success: .ok) }
}

extension Parameters {
    /// A path parameter, percent-decoded.
    func name(_ key: String) -> String {
        let raw = get(key) ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
