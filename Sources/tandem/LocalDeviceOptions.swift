import ArgumentParser

/// The options every command that makes a local block device (FUSE file + loop) takes:
/// `tandem adm attach` and `tandem nbd attach`.
struct LocalDeviceOptions: ParsableArguments {
    @Option(help: "Directory for the FUSE mount (created if missing, must be empty). Default: a new folder under /run/tandem/attach.")
    var mountpoint: String?

    @Flag(help: "Let the FUSE layer use the page cache (faster reads, double caching under loop).")
    var fuseCache = false
}
