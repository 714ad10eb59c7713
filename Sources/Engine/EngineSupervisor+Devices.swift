import EngineAdmin

/// A local block device (loop over FUSE, or a kernel NBD device) that a `tandem adm attach`
/// process made from one of our exports. The engine cannot see opens of that device; the
/// attach process tells it the path, and the registration lives exactly as long as the attach
/// process's admin connection: a crashed attach process (even `kill -9`) unregisters by closing
/// the socket, and a resource going down ends the registration from this side. Registering
/// promotes the node; the last registration ending demotes it (once the export is closed).
struct DeviceHold: Sendable {
    let resource: String
    let volume: Int
    let devicePath: String
    /// Sends the attach process the reason its export is gone and closes its connection.
    let end: @Sendable (String) async -> Void
}

extension EngineSupervisor {
    static let devicePathBytesMax = 4096

    /// Registers a device; returns the registration id, or the reason it is refused.
    func registerDevice(resource: String, volume: Int?, devicePath: String?, end: @escaping @Sendable (String) async -> Void) async -> Result<UInt64, DeviceHoldRefusal> {
        guard let volume else { return .failure(.init("attach-device needs the volume number")) }
        guard let path = devicePath, path.hasPrefix("/"), path.utf8.count <= Self.devicePathBytesMax,
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(.init("attach-device needs an absolute device path without control characters (at most \(Self.devicePathBytesMax) bytes), got \(String(describing: devicePath?.prefix(80)))"))
        }
        guard await settle(resource) else { return .failure(.init(stillComingUp(resource))) }
        guard let runtime = resources[resource] else {
            return .failure(.init(failures[resource].map { $0.refusal(name: resource) } ?? "\(resource): no such resource is up"))
        }
        guard await runtime.config.volume(volume) != nil else {
            return .failure(.init("\(resource) has no volume \(volume)"))
        }
        // A registration must describe something that really holds the export: the attach
        // process opens the export over NBD before it registers the device it made from it.
        guard await runtime.report(nbdSocketPath: nil).volumes.first(where: { $0.volume == volume })?.open == true else {
            return .failure(.init("no NBD client has \(resource)/\(volume) open; open the export first, then register the device made from it"))
        }
        // An attached device is a writer the engine cannot see open and close (docs/local-device.md):
        // attaching promotes this node now, so a second node's attach is refused at its NBD open
        // while this one is attached, and the end of the registration demotes it again.
        if case .refused(let why) = await runtime.adminAll(.primary(force: false)) {
            return .failure(.init("\(resource) cannot become Primary here for \(path): \(why)"))
        }
        let id = nextDeviceHoldID
        nextDeviceHoldID += 1
        deviceHolds[id] = DeviceHold(resource: resource, volume: volume, devicePath: path, end: end)
        noteChange()
        return .success(id)
    }

    func unregisterDevice(_ id: UInt64) {
        guard let hold = deviceHolds.removeValue(forKey: id) else { return }
        noteChange()
        if !deviceHolds.values.contains(where: { $0.resource == hold.resource }) {
            Task { await self.demoteWhenClosed(hold.resource) }
        }
    }

    /// The last attached device of `resource` is gone: demote once no NBD client has a volume
    /// open any more (a crashed attach process closes its admin and NBD connections in either
    /// order), so another node may attach. Gives up after 5 s while another client keeps the
    /// export open; that client's own close then leaves the node Primary until `adm secondary`.
    func demoteWhenClosed(_ resource: String) async {
        for _ in 0..<50 {
            guard let runtime = resources[resource], !deviceHolds.values.contains(where: { $0.resource == resource }) else { return }
            if await !runtime.report(nbdSocketPath: nil).volumes.contains(where: \.open) {
                if case .refused(let why) = await runtime.adminAll(.secondary) {
                    logger.warning("\(resource): the attached device is gone but demoting failed: \(why)")
                }
                noteChange()
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.notice("\(resource): the attached device is gone but an NBD client still has the export open; staying Primary")
    }

    /// The resource went down: every attach process of it is told so and disconnected.
    func endDeviceHolds(of resource: String, reason: String) {
        for (id, hold) in deviceHolds where hold.resource == resource {
            deviceHolds[id] = nil
            Task { await hold.end(reason) }
        }
    }

    /// The report with every volume's registered device paths filled in.
    func withDevicePaths(_ report: ResourceReport) -> ResourceReport {
        var report = report
        for i in report.volumes.indices {
            let paths = deviceHolds.values.filter { $0.resource == report.name && $0.volume == report.volumes[i].volume }
                .map(\.devicePath).sorted()
            report.volumes[i].devicePaths = paths.isEmpty ? nil : paths
        }
        return report
    }
}

struct DeviceHoldRefusal: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
