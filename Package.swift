// swift-tools-version:6.0
// Tandem: replicated block storage (LINSTOR + DRBD 9 in spirit), data plane in user space.
// Targets are split by concern; the pure ones (TandemModel, Placement, ReplicationCore,
// SatelliteCore, NBDProtocol) depend on no I/O module, so the compiler guards the architecture.
import PackageDescription

// The data path's targets (every NBD request and replicated write runs through them) are built
// for release without the dynamic exclusivity checks on class and global state: perf put those
// checks (swift_beginAccess, AccessSet::insert, swift_endAccess and their thread-local lookups)
// at ~4 % of the engine's CPU per 4 KiB write at queue depth 32. Debug builds, which every test
// runs, keep them, so a violation still traps there; the static checks stay on everywhere.
let dataPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "tandem",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Pure values shared by every plane: sizes, names, LINSTOR object vocabulary.
        .target(name: "TandemModel"),

        // Auto-placement as a pure decision: filter → rate → select over a snapshot of pools.
        .target(name: "Placement", dependencies: ["TandemModel"]),

        // The controller's object model and decisions (no I/O): the cluster in memory, naming
        // rules, number allocation, desired state per node, and the satellite-session interface
        // (SatelliteConnector) with its in-process fake. ClusterWire implements the interface.
        .target(name: "ControllerCore", dependencies: [
            "TandemModel", "Placement",
            // TreeDictionary: the per-request draft copy of the 10,000-definition tables shares
            // structure instead of copying them whole (copying made every request O(cluster)).
            .product(name: "HashTreeCollections", package: "swift-collections"),
        ]),

        // The controller process: SQLite store (GRDB), LINSTOR-compatible REST API (Hummingbird),
        // satellite session bookkeeping, lifecycle.
        // zlib (Debian: zlib1g-dev) for gzip-compressed REST answers.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Controller",
            dependencies: [
                "TandemModel", "Placement", "ControllerCore", "CZlib", "CCloseOnExecSockets",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "PlacementTests", dependencies: ["Placement", "TandemModel"]),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controller", "ControllerCore", "TandemModel", "CZlib", "ScratchFolders", "ListenerTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),

        // Pure replication decisions (DRBD 9 semantics): events in, actions out. No I/O.
        // NIOCore for ByteBuffer only: a write's payload travels from the NBD request through the
        // core to the disk and the replication link without a copy (value types, no I/O).
        .target(name: "ReplicationCore", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: dataPathSettings),
        // The `tandem` CLI's pure half: LINSTOR REST shapes, request bodies, tables, reply printing,
        // controller-list parsing. Foundation only for JSON; no sockets, no files.
        .target(name: "TandemCLICore", dependencies: ["TandemModel"]),
        // The `tandem` CLI's commands (linstor grammar) and its HTTP/1.1 transport (NIO).
        .target(
            name: "TandemCLI",
            dependencies: [
                "TandemModel", "TandemCLICore", "DescriptorIO", "CCloseOnExecSockets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The one executable; each subcommand lives with the target that owns it.
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemModel",
                "ControllerCore",
                "Controller",
                "Satellite", "SatelliteLink",
                "TandemCLI",
                "TandemMonitor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "NBDProtocol", "NBDServer", "NBDClient", "LocalDevice",
                "Engine", "EngineAdmin", "EngineAdminClient", "EngineConfig",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "Workload", "DescriptorIO",
                "CTandemIO",
            ]
        ),

        .testTarget(name: "TandemModelTests", dependencies: ["TandemModel"]),

        // `tandem monitor`: the drbdmon analogue; a pure frame renderer plus the terminal loop.
        .target(
            name: "TandemMonitor",
            dependencies: [
                "EngineAdmin", "EngineAdminClient", "EngineConfig", "DescriptorIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TandemMonitorTests", dependencies: ["TandemMonitor", "EngineAdmin"]),

        // NBD wire format: value types, decoders and encoders (NIOCore only).
        .target(name: "NBDProtocol", dependencies: [.product(name: "NIOCore", package: "swift-nio")], swiftSettings: dataPathSettings),
        // Linux system calls Swift's Glibc module hides (fallocate, O_DIRECT).
        .target(name: "CTandemIO"),
        // One io_uring per event loop for disk writes the loop submits and reaps itself (resync
        // writes with O_DIRECT: ext4 then holds the inode lock only while submitting).
        .target(
            name: "DiskRing",
            dependencies: [
                "CTandemIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "DiskRingTests", dependencies: [
            "DiskRing", "CTandemIO", "ScratchFolders", .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Writing a whole buffer to a file descriptor (EINTR, short writes, EAGAIN), for every
        // command-line writer: standard streams, the monitor's screen, the workload's log.
        .target(name: "DescriptorIO"),
        .testTarget(name: "DescriptorIOTests", dependencies: ["DescriptorIO", "CTandemIO"]),
        // Listening sockets every server shares: close-on-exec TCP listeners and the bookkeeping
        // that keeps connections accepted while a listener closes from being dropped (NIOCore only).
        // CCloseOnExecSockets' socket/accept/accept4 replace libc's in the executable, so every
        // socket the process creates or accepts is close-on-exec (NIO has no hook). Each target
        // that opens sockets depends on it, so any executable or test linking that target has it.
        .target(name: "CCloseOnExecSockets"),
        .target(name: "ListenerSupport", dependencies: ["CCloseOnExecSockets", .product(name: "NIOCore", package: "swift-nio")]),
        // For listener tests only: clients that hammer a port, a child that inherits descriptors,
        // who holds a port (/proc).
        .target(name: "ListenerTestSupport", dependencies: ["DescriptorIO"]),
        // For tests only: temporary folders removed when the test that made them ends.
        .target(name: "ScratchFolders"),
        .testTarget(name: "ScratchFoldersTests", dependencies: ["ScratchFolders"]),
        // Busy-polling an event loop's sockets for a short, adaptive while before it sleeps
        // (saves a thread wake-up per request at queue depth 1); NIOCore only.
        .target(name: "IdlePolling", dependencies: ["CTandemIO", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "IdlePollingTests", dependencies: ["IdlePolling"]),
        // NBD server: per-connection state machine, handler, export registry, listener, file export.
        .target(
            name: "NBDServer",
            dependencies: [
                "NBDProtocol", "CTandemIO", "ListenerSupport", "IdlePolling",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: dataPathSettings
        ),
        // NBD client: connects to any NBD server and exposes the export as an NBDExport.
        .target(
            name: "NBDClient",
            dependencies: [
                "NBDProtocol", "CCloseOnExecSockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // libfuse 3 (Debian: libfuse3-dev) for the local block device.
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        // Local block device: any NBDExport as a FUSE file on a loop device with direct I/O.
        .target(
            name: "LocalDevice",
            dependencies: [
                "CFuse3", "CTandemIO", "NBDProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "LocalDeviceTests", dependencies: ["LocalDevice", "NBDServer", "ScratchFolders", "DescriptorIO"]),
        .testTarget(
            name: "NBDProtocolTests",
            dependencies: [
                "NBDProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "NBDServerTests",
            dependencies: [
                "NBDServer", "NBDProtocol", "NBDClient", "ListenerTestSupport", "ScratchFolders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ReplicationCoreTests",
            dependencies: ["ReplicationCore", .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Scenarios")]
        ),
        .testTarget(name: "TandemCLITests", dependencies: ["TandemCLICore", "TandemCLI", "TandemModel", "ListenerSupport", "ListenerTestSupport"]),

        // Engine: resource files (pure parser/writer) and the file helpers that store them.
        .target(name: "EngineConfig", dependencies: ["TandemModel"]),
        .target(name: "EngineFiles", dependencies: ["EngineConfig", "DescriptorIO"]),
        .testTarget(name: "EngineConfigTests", dependencies: ["EngineConfig", "EngineFiles", "TandemModel"]),
        // Engine admin socket: report/event values and the drbdadm-style formatters (pure), and
        // the client library `tandem adm` and the satellite use.
        .target(name: "EngineAdmin"),
        .target(
            name: "EngineAdminClient",
            dependencies: [
                "EngineAdmin", "EngineConfig", "CCloseOnExecSockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Bounds-checked big-endian field reader whose errors name the source (a file, a peer).
        .target(name: "BoundedReading", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "BoundedReadingTests", dependencies: ["BoundedReading", .product(name: "NIOCore", package: "swift-nio")]),
        // Engine ↔ engine: the binary codec for ReplicationCore's PeerMessage over TCP.
        .target(
            name: "ReplicationWire",
            dependencies: ["ReplicationCore", "BoundedReading", "IdlePolling", "CTandemIO", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: dataPathSettings
        ),
        .testTarget(
            name: "ReplicationWireTests",
            dependencies: [
                "ReplicationWire", "ReplicationCore", "IdlePolling", "CTandemIO", "ListenerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        // Engine shell: runs ReplicationCore instances per resource volume, their disks, metadata
        // files, replication links, NBD exports and the admin socket (`tandem engine`).
        .target(
            name: "Engine",
            dependencies: [
                "EngineConfig", "EngineFiles", "EngineAdmin", "EngineAdminClient", "ReplicationCore",
                "ReplicationWire", "NBDProtocol", "NBDServer", "CTandemIO", "ListenerSupport", "BoundedReading", "DescriptorIO",
                "IdlePolling", "DiskRing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: dataPathSettings
        ),
        .testTarget(name: "EngineTests", dependencies: [
            "Engine", "ReplicationCore", "EngineAdmin", "EngineConfig", "NBDServer", "ListenerTestSupport", "ScratchFolders",
            "EngineAdminClient", "ListenerSupport", "ReplicationWire", "CTandemIO",
            .product(name: "Logging", package: "swift-log"), .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(
            name: "EngineAdminTests",
            dependencies: [
                "EngineAdmin", "EngineAdminClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),

        // Controller↔satellite protocol: framing, versions, hello exchange (no sockets).
        .target(
            name: "ClusterWire",
            dependencies: ["TandemModel", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "ClusterWireTests",
            dependencies: [
                "ClusterWire", "TandemModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        // Backing volumes: FILE, FILE_THIN, LVM, LVM_THIN, ZFS, ZFS_THIN, DISKLESS, and the one
        // runner for external commands.
        // CTandemIO for close-on-exec pipes (pipe2): a child another thread spawns while a
        // command runs must not inherit the ends that tell this runner the command is done.
        .target(name: "StorageProviders", dependencies: ["TandemModel", "CTandemIO"]),
        .testTarget(name: "StorageProvidersTests", dependencies: ["StorageProviders", "TandemModel", "ScratchFolders"]),
        // The satellite's decisions: desired + observed → ordered, idempotent steps (pure).
        .target(name: "SatelliteCore", dependencies: ["TandemModel"]),
        .testTarget(name: "SatelliteCoreTests", dependencies: ["SatelliteCore", "TandemModel"]),
        // `tandem satellite`: controller sessions, reconcile loop, step execution, reporting.
        .target(
            name: "Satellite",
            dependencies: [
                "ClusterWire", "SatelliteCore", "StorageProviders", "TandemModel", "SatelliteLink",
                "EngineConfig", "EngineFiles", "EngineAdmin", "EngineAdminClient", "ListenerSupport", "DescriptorIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The controller's side of the cluster protocol: one TCP session per node, with
        // reconnect and back-off, version checks and keep-alive.
        .target(
            name: "SatelliteLink",
            dependencies: [
                "ClusterWire", "TandemModel", "ControllerCore", "CCloseOnExecSockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SatelliteTests",
            dependencies: [
                "Satellite", "SatelliteLink", "SatelliteCore", "ClusterWire", "TandemModel", "EngineConfig", "EngineAdmin", "ControllerCore",
                "ListenerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The verifying workload's pure parts (block content, acknowledgement log, verdicts);
        // `tandem nbd workload` / `tandem nbd verify` do the I/O.
        .target(name: "Workload"),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload"]),
    ],
    swiftLanguageModes: [.v6]
)
