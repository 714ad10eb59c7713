// swift-tools-version:6.0
// Tandem: replicated block storage (LINSTOR + DRBD 9 in spirit), data plane in user space.
// Targets are split by concern; the pure ones (TandemModel, Placement, ReplicationCore,
// SatelliteCore, NBDProtocol) depend on no I/O module, so the compiler guards the architecture.
import PackageDescription

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
        .target(name: "ControllerCore", dependencies: ["TandemModel", "Placement"]),

        // The controller process: SQLite store (GRDB), LINSTOR-compatible REST API (Hummingbird),
        // satellite session bookkeeping, lifecycle.
        .target(
            name: "Controller",
            dependencies: [
                "TandemModel", "Placement", "ControllerCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The one executable; each subcommand lives with the target that owns it.
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemModel",
                "ControllerCore",
                "Controller",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "TandemModelTests", dependencies: ["TandemModel"]),
        .testTarget(name: "PlacementTests", dependencies: ["Placement", "TandemModel"]),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controller", "ControllerCore", "TandemModel",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
