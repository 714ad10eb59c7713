import TandemModel

/// One resource as the engine runs it: the parsed form of a resource file (`<name>.res`, the
/// analogue of DRBD's `.res`). The satellite writes these files; the engine reads them at start
/// and on `tandem adm adjust`. The text format is documented in docs/resource-files.md.
///
/// Invariants (checked by `validate()`, which the parser and the `DesiredResource` initializer
/// call): node ids 0..<32 unique across this node and its peers, volume numbers and minors
/// unique, sizes positive multiples of 4 KiB, at most `peersMax` peers.
public struct ResourceConfig: Sendable, Equatable {
    /// Resource name, also the file name without `.res` and the NBD export name.
    public var name: String
    /// This node's name (the `on NAME` section).
    public var nodeName: String
    /// This node's id within the resource (0..<32).
    public var nodeId: Int
    /// Where this engine listens for the resource's replication links.
    public var address: EndpointAddress
    public var replicationProtocol: ReplicationProtocol
    public var options: ResourceOptions
    public var volumes: [VolumeConfig]
    public var peers: [ResourcePeerConfig]

    public init(
        name: String, nodeName: String, nodeId: Int, address: EndpointAddress,
        replicationProtocol: ReplicationProtocol = .c, options: ResourceOptions = ResourceOptions(),
        volumes: [VolumeConfig], peers: [ResourcePeerConfig]
    ) {
        self.name = name; self.nodeName = nodeName; self.nodeId = nodeId; self.address = address
        self.replicationProtocol = replicationProtocol; self.options = options
        self.volumes = volumes; self.peers = peers
    }

    /// DRBD allows 32 nodes per resource; node ids are 0..<32.
    public static let nodeIdLimit = 32
    public static let peersMax = nodeIdLimit - 1
    /// DRBD's volume numbers are 0...65534.
    public static let volumeNumberMax = 65534
    public static let volumesMax = 64
    /// 1 PiB, DRBD's maximum device size.
    public static let volumeSizeMax = ByteCount(1 << 50)
    public static let nameLengthMax = 48
    /// Volume sizes are whole out-of-sync bitmap blocks (4 KiB, DRBD's default granularity).
    public static let sizeGranularityBytes: UInt64 = 4096

    /// True when this node holds no data for the resource (every volume is `disk none`).
    public var isDiskless: Bool { volumes.allSatisfy { $0.backingPath == nil } }

    public func volume(_ number: Int) -> VolumeConfig? { volumes.first { $0.number == number } }
    public func peer(nodeId: Int) -> ResourcePeerConfig? { peers.first { $0.nodeId == nodeId } }
}

/// DRBD's replication protocols that Tandem offers. B is left out on purpose: it protects
/// against nothing that C does not, at nearly the same latency.
public enum ReplicationProtocol: String, Sendable, Equatable, CaseIterable {
    /// A write completes when it is on the local disk and handed to the send buffers.
    case a = "A"
    /// A write completes when it is on the local disk and on the disk of every connected peer.
    case c = "C"
}

/// One volume of a resource.
public struct VolumeConfig: Sendable, Equatable {
    public var number: Int
    /// Usable size exported to consumers; the backing file must be at least this large.
    public var size: ByteCount
    /// Device minor, unique in the cluster (1000+ by LINSTOR convention).
    public var minor: Int
    /// Backing file or block device; nil for a diskless (client) volume.
    public var backingPath: String?

    public init(number: Int, size: ByteCount, minor: Int, backingPath: String?) {
        self.number = number; self.size = size; self.minor = minor; self.backingPath = backingPath
    }
}

/// A peer node of the resource. Every node connects to every other (full mesh).
public struct ResourcePeerConfig: Sendable, Equatable {
    public var nodeName: String
    public var nodeId: Int
    public var address: EndpointAddress
    /// True when the peer holds no data (a DRBD client or a tiebreaker).
    public var diskless: Bool

    public init(nodeName: String, nodeId: Int, address: EndpointAddress, diskless: Bool = false) {
        self.nodeName = nodeName; self.nodeId = nodeId; self.address = address; self.diskless = diskless
    }
}

/// Host and TCP port, written `127.0.0.1:7000` or `[::1]:7000`.
public struct EndpointAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) { self.host = host; self.port = port }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `host:port` or `[ipv6]:port`; nil with a reason when malformed.
    public static func parse(_ text: String) -> Result<EndpointAddress, ResourceFileProblem> {
        var host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(.init("address '\(text)' must look like [IPv6]:PORT"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                return .failure(.init("address '\(text)' must look like HOST:PORT (IPv6 as [ADDR]:PORT)"))
            }
            host = text[..<colon]; portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { return .failure(.init("address '\(text)' has no host")) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(.init("address '\(text)' has no valid port (1-65535)"))
        }
        return .success(EndpointAddress(host: String(host), port: port))
    }
}
