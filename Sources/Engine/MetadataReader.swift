import BoundedReading
import NIOCore

/// A metadata file as the source of a `BoundedReader`: every error names the file and says the
/// volume stays down (a corrupt record is never used).
struct MetadataFileSource: ReadFailureDescribing {
    let path: String

    func failure(_ reason: String) -> EngineError { MetadataReader.corrupt(path, reason) }
}

/// Reads the big-endian fields of a metadata file.
typealias MetadataReader = BoundedReader<MetadataFileSource>

extension BoundedReader where Source == MetadataFileSource {
    init(_ bytes: some Sequence<UInt8>, path: String) {
        self.init(buffer: ByteBuffer(bytes: bytes), source: MetadataFileSource(path: path))
    }

    static func corrupt(_ path: String, _ why: String) -> EngineError {
        EngineError("\(path): corrupt metadata (\(why)); the volume stays down. Restore the file from a backup, or move it away to start this replica over as Inconsistent (it then resyncs fully from a peer)")
    }

    func corrupt(_ why: String) -> EngineError { fail(why) }
}
