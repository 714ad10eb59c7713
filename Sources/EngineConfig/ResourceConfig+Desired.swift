import TandemModel

extension ResourceConfig {
    /// The engine config for one resource of a node's desired state (what the satellite writes).
    ///
    /// - Parameters:
    ///   - desired: the resource as the controller wants it on this node.
    ///   - nodeName: this node's name (`NodeDesiredState.nodeName`).
    ///   - listenHost: the address this engine listens on for the resource's links; "0.0.0.0"
    ///     (all interfaces) unless the node has a dedicated replication address.
    ///   - backingPath: where the satellite's storage provider put the volume's data; only asked
    ///     for diskful resources. Return nil to report a volume that has no backing storage yet.
    /// Volume sizes are rounded down to whole 4 KiB blocks (the out-of-sync bitmap granularity).
    /// - Throws: a problem naming the option or volume when the desired state cannot be run.
    public init(
        desired: DesiredResource, nodeName: String, listenHost: String = "0.0.0.0",
        backingPath: (DesiredVolume) -> String?
    ) throws(ResourceFileProblem) {
        var options = ResourceOptions()
        var replicationProtocol = ReplicationProtocol.c
        for key in desired.options.keys.sorted() {
            let value = desired.options[key] ?? ""
            if key == "protocol" {
                guard let p = ReplicationProtocol(rawValue: value) else {
                    throw ResourceFileProblem("resource \(desired.name): protocol must be A or C, not '\(value)'")
                }
                replicationProtocol = p
            } else if let problem = options.set(key, value) {
                throw ResourceFileProblem("resource \(desired.name): \(problem.message)")
            }
        }
        var volumes: [VolumeConfig] = []
        for v in desired.volumes.sorted(by: { $0.volumeNumber < $1.volumeNumber }) {
            var path: String?
            if !desired.diskless {
                guard let p = backingPath(v) else {
                    throw ResourceFileProblem("resource \(desired.name) volume \(v.volumeNumber): no backing storage path")
                }
                path = p
            }
            let (bytes, overflow) = v.sizeKiB.multipliedReportingOverflow(by: ByteCount.kibi)
            guard !overflow else { throw ResourceFileProblem("resource \(desired.name) volume \(v.volumeNumber): size overflows") }
            // Whole 4 KiB blocks, rounded down so the exported size never exceeds the backing
            // volume the provider made from `sizeKiB`.
            let usable = bytes - bytes % ResourceConfig.sizeGranularityBytes
            volumes.append(VolumeConfig(number: v.volumeNumber, size: ByteCount(usable), minor: v.minor, backingPath: path))
        }
        let peers = desired.peers.map {
            ResourcePeerConfig(nodeName: $0.nodeName, nodeId: $0.nodeId, address: EndpointAddress(host: $0.address, port: $0.port), diskless: $0.diskless)
        }
        self.init(
            name: desired.name, nodeName: nodeName, nodeId: desired.nodeId,
            address: EndpointAddress(host: listenHost, port: desired.port),
            replicationProtocol: replicationProtocol, options: options,
            volumes: volumes, peers: peers.sorted { $0.nodeId < $1.nodeId })
        try validate()
    }

    /// The file name of this resource inside the engine's resources folder.
    public var fileName: String { "\(name).res" }
}
