import ServiceLifecycle

/// Runs the controller's satellite sessions for the lifetime of the application and closes
/// them on graceful shutdown (SIGTERM/SIGINT), after the HTTP server has stopped.
struct ControllerService: Service {
    let controller: ClusterController

    func run() async throws {
        await controller.start()
        try? await gracefulShutdown()
        await controller.stop()
    }
}
