import CZlib
import Synchronization

/// The gzip-compressed full resource view, assembled from pages compressed once and kept.
/// python-linstor and the linstor client always ask for gzip; compressing 44 MiB of JSON afresh
/// cost more CPU than everything else in the view. A gzip member may hold any sequence of deflate
/// blocks, so each page (a run of consecutive definitions) is deflated on its own, ending on a
/// byte boundary (a sync flush, not final), and the pages are simply concatenated, followed by
/// one final block and the trailer; the CRC-32 of the whole is combined from the pages' CRCs.
/// A page is recompressed only when one of its fragments changed (fragment ids differ).
/// Page boundaries follow the definitions' names (a page ends after a name whose hash ends in
/// five zero bits), so adding or deleting a definition changes only its own page.
final class GzipPageCache: Sendable {
    struct Page: Sendable {
        /// The page starts the view (its text begins with "[" instead of ",").
        let isFirst: Bool
        /// The fragments it holds, in order.
        let ids: [UInt64]
        let deflated: [UInt8]
        let crc: UInt32
        let length: Int
    }

    /// How often pages were reused and compressed (tests).
    struct Counters: Sendable, Equatable {
        var reused = 0
        var compressed = 0
    }

    static let pageBoundaryMask = 31

    private let pages = Mutex<(byFirstKey: [String: Page], counters: Counters)>(([:], Counters()))

    init() {}

    var counters: Counters { pages.withLock { $0.counters } }
    var pageCount: Int { pages.withLock { $0.byFirstKey.count } }

    /// Whether a page ends after definition `rdKey`.
    static func endsPage(_ rdKey: String) -> Bool { rdKey.hashValue & pageBoundaryMask == 0 }

    /// The page starting at definition `firstKey` holding `fragments`, compressed now unless the
    /// same fragments were compressed before.
    func page(firstKey: String, isFirst: Bool, _ fragments: [ResourceViewCache.Fragment]) -> Page {
        let ids = fragments.map(\.id)
        if let old = pages.withLock({ $0.byFirstKey[firstKey] }), old.isFirst == isFirst, old.ids == ids {
            pages.withLock { $0.counters.reused += 1 }
            return old
        }
        var text: [UInt8] = []
        text.reserveCapacity(fragments.reduce(1) { $0 + $1.bytes.count + 1 })
        for (i, f) in fragments.enumerated() {
            text.append(i == 0 && isFirst ? UInt8(ascii: "[") : UInt8(ascii: ","))
            text.append(contentsOf: f.bytes)
        }
        let page = Page(isFirst: isFirst, ids: ids, deflated: RawDeflate.compress(text, final: false),
                        crc: RawDeflate.crc32(text), length: text.count)
        pages.withLock {
            $0.byFirstKey[firstKey] = page
            $0.counters.compressed += 1
        }
        return page
    }

    /// Drops pages that did not occur in the last complete view.
    func prune(keeping firstKeys: Set<String>) {
        pages.withLock { p in
            guard p.byFirstKey.count > firstKeys.count else { return }
            p.byFirstKey = p.byFirstKey.filter { firstKeys.contains($0.key) }
        }
    }
}

/// Raw deflate pieces and the gzip wrapper around them (RFC 1951/1952).
enum RawDeflate {
    /// Member header: deflate, no name, no time, OS Unix.
    static let gzipHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]

    /// `input` deflated at level 1 (a LAN's CPU, not its wire, is the limit) with a fresh
    /// window. Not `final`: ends with a sync flush on a byte boundary, so more pieces may follow.
    static func compress(_ input: [UInt8], final: Bool) -> [UInt8] {
        var stream = z_stream()
        // windowBits −15: raw deflate, no zlib or gzip wrapper.
        let rc = deflateInit2_(&stream, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(rc == Z_OK, "zlib deflateInit2 failed (\(rc))")
        defer { deflateEnd(&stream) }
        // deflateBound is for a finished stream; the sync flush adds a few bytes, and the loop
        // grows the buffer should zlib ever need more.
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var produced = 0
        input.withUnsafeBufferPointer { inBytes in
            stream.next_in = inBytes.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            stream.avail_in = uInt(inBytes.count)
            while true {
                if produced == out.count { out += [UInt8](repeating: 0, count: out.count) }
                var rc = Z_OK
                out.withUnsafeMutableBufferPointer { outBytes in
                    stream.next_out = outBytes.baseAddress! + produced
                    stream.avail_out = uInt(outBytes.count - produced)
                    rc = deflate(&stream, final ? Z_FINISH : Z_SYNC_FLUSH)
                    produced = outBytes.count - Int(stream.avail_out)
                }
                if final ? rc == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out > 0) { break }
                precondition(rc == Z_OK || rc == Z_BUF_ERROR, "zlib deflate failed (\(rc))")
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// The CRC of `a` followed by `b` from their CRCs and b's length.
    static func crc32Combine(_ a: UInt32, _ b: UInt32, lengthB: Int) -> UInt32 {
        UInt32(crc32_combine(uLong(a), uLong(b), off_t(lengthB)))
    }

    /// Member trailer: CRC-32 and length modulo 2³², both little-endian.
    static func gzipTrailer(crc: UInt32, length: Int) -> [UInt8] {
        let size = UInt32(truncatingIfNeeded: length)
        return [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> $0) } + [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: size >> $0) }
    }
}
