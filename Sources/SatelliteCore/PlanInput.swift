import TandemModel

/// What one resource should look like on this node, in the terms the planner compares: the
/// backing volumes it needs and the exact text of its engine resource file.
public struct PlannedResource: Sendable, Equatable {
    public var name: String
    public var volumes: [PlannedVolume]
    /// The resource file the engine should have, or the reason it cannot be written (for
    /// example an option the engine rejects). Rendering is the shell's job (it knows the engine's
    /// file format and the pools' device paths); the planner only compares texts.
    public var file: Result<String, RenderError>

    public init(name: String, volumes: [PlannedVolume], file: Result<String, RenderError>) {
        self.name = name; self.volumes = volumes; self.file = file
    }
}

public struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct PlannedVolume: Sendable, Equatable {
    public var volumeNumber: Int
    /// nil for a diskless volume.
    public var backing: BackingVolumeKey?
    public var sizeKiB: UInt64
    public init(volumeNumber: Int, backing: BackingVolumeKey?, sizeKiB: UInt64) {
        self.volumeNumber = volumeNumber; self.backing = backing; self.sizeKiB = sizeKiB
    }
}

extension PlannedResource {
    /// The planner's view of a desired resource; `render` produces its resource file text.
    public static func from(_ resource: DesiredResource, render: (DesiredResource) -> Result<String, RenderError>) -> PlannedResource {
        let volumes = resource.volumes.sorted { $0.volumeNumber < $1.volumeNumber }.map { v in
            PlannedVolume(
                volumeNumber: v.volumeNumber,
                backing: resource.diskless ? nil : v.storagePool.map {
                    BackingVolumeKey(pool: $0, name: BackingVolumeKey.name(resource: resource.name, volumeNumber: v.volumeNumber))
                },
                sizeKiB: v.sizeKiB)
        }
        return PlannedResource(name: resource.name, volumes: volumes, file: render(resource))
    }
}
