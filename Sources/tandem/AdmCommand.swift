import ArgumentParser
import EngineAdmin
import EngineAdminClient
import EngineConfig
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `tandem adm`: the drbdadm of Tandem, talking to the local engine over its admin socket.
struct AdmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adm",
        abstract: "Control the local replication engine (like drbdadm).",
        discussion: """
            Without RESOURCE, a command applies to every resource, except those that discard or \
            override data (invalidate, primary --force, connect --discard-my-data), which need it \
            named. The engine must be running (`tandem engine`).
            """,
        subcommands: [Up.self, Down.self, Adjust.self, Primary.self, Secondary.self, Connect.self, Disconnect.self,
                      Invalidate.self, Verify.self, Status.self, Events.self, Attach.self]
    )

    @Option(name: .long, help: "The engine's state folder (its admin socket is <state-dir>/run/admin.sock).")
    var stateDir: String = EngineStateLayout.defaultStateDirectory

    struct Common: ParsableArguments {
        @Argument(help: "Resource name (default: all).")
        var resource: String?

        /// A command that discards or overrides data needs its resource named: drbdadm answers
        /// such a command without one with its usage, and a DRBD operator who typed
        /// `tandem adm invalidate` would otherwise have thrown away every resource's data.
        func requireNamed(_ what: String) throws { try AdmCommand.requireNamed(resource, what) }
    }

    static func requireNamed(_ resource: String?, _ what: String) throws {
        if resource == nil {
            throw ValidationError("\(what) on every resource at once is refused; name the resource (tandem adm status lists them)")
        }
    }

    var client: EngineAdminClient { EngineAdminClient(layout: EngineStateLayout(stateDirectory: stateDir)) }

    func perform(_ common: Common, _ request: AdminRequest) async throws {
        try await perform(naming: common.resource, request)
    }

    func perform(naming resource: String?, _ request: AdminRequest) async throws {
        do {
            let response = try await client.run(request)
            for m in response.messages { print(m) }
        } catch {
            throw Self.failure(request.verb.rawValue, resource, error)
        }
    }

    /// `invalidate`'s argument: the same optional RESOURCE as `Common` (so that leaving it out
    /// is refused with the reason, exit 2, as before), but its help does not say "default:
    /// all", which `invalidate` never means.
    struct Named: ParsableArguments {
        @Argument(help: "Resource name (required: refused for every resource at once).")
        var resource: String?
    }

    /// "tandem adm VERB [RES]: why", without the engine's own "RES: " when RES is on the line.
    static func failure(_ verb: String, _ resource: String?, _ error: any Error) -> CommandFailure {
        let why = (error as? EngineAdminError)?.description(forCommandNaming: resource) ?? "\(error)"
        return CommandFailure(message: "tandem adm \(verb)\(resource.map { " " + $0 } ?? ""): \(why)")
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bring a resource up from its resource file.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .up, resource: common.resource)) }
    }
    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disconnect and detach a resource cleanly (its file stays).")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .down, resource: common.resource)) }
    }
    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the resource files: bring up new resources, take down removed ones, apply changes.",
            discussion: """
            A change of peers (added, removed, protocol) or options is applied in place: volumes \
            stay attached and in their role, NBD clients keep their connections. A change of this \
            node's name, id or address, of the volumes, of al-extents, or a peer turning diskless or \
            diskful restarts the resource (down + up, a brief interruption; logged with the reason). \
            Without RESOURCE it also takes down resources whose file is gone.
            """)
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .adjust, resource: common.resource)) }
    }
    struct Primary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Promote this node (one Primary at a time).")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        @Flag(name: .long, help: "Promote even though the local disk is not UpToDate (Inconsistent, Outdated): its data becomes the current data and peers resync from it (a new resource's initial sync, or an override that discards newer data elsewhere). Quorum is still needed. Needs RESOURCE.")
        var force = false
        func validate() throws { if force { try common.requireNamed("primary --force (declares this node's data current)") } }
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .primary, resource: common.resource, force: force)) }
    }
    struct Secondary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Demote this node.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .secondary, resource: common.resource)) }
    }
    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connect to the peers (after disconnect or split brain).")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        @Flag(name: .long, help: "In a split brain, give up this node's changes and resync from the peer. Needs RESOURCE.")
        var discardMyData = false
        func validate() throws { if discardMyData { try common.requireNamed("connect --discard-my-data (throws away this node's changes)") } }
        func run() async throws {
            try await adm.perform(common, AdminRequest(verb: .connect, resource: common.resource, discardMyData: discardMyData))
        }
    }
    struct Disconnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the connections to the peers and stay StandAlone.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .disconnect, resource: common.resource)) }
    }
    struct Invalidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard the local data and resync it completely from a peer.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var named: Named
        func validate() throws { try AdmCommand.requireNamed(named.resource, "invalidate (discards this node's data)") }
        func run() async throws { try await adm.perform(naming: named.resource, AdminRequest(verb: .invalidate, resource: named.resource)) }
    }
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start an online verify against the connected peers.",
            discussion: """
            Compares a digest of every block with each connected peer (replication VerifyS on this \
            node, VerifyT on the peer; progress in `status`). Blocks that differ are logged and \
            marked out of sync (`status -s`: out-of-sync); `disconnect` then `connect` resyncs them, \
            as with drbdadm.
            """)
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        func run() async throws { try await adm.perform(common, AdminRequest(verb: .verify, resource: common.resource)) }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show resources as drbdadm status does.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        @Flag(name: .shortAndLong, help: "Show node ids, minors, quorum and the NBD export.") var verbose = false
        @Flag(name: .shortAndLong, help: "Add traffic counters (KiB): received, sent, out-of-sync, rs-sent, rs-received.") var statistics = false
        @Flag(name: .long, help: "Print the structured status as JSON.") var json = false
        func run() async throws {
            let reports: [ResourceReport]
            do { reports = try await adm.client.status(common.resource) } catch {
                throw AdmCommand.failure("status", common.resource, error)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(reports), as: UTF8.self))
            } else {
                print(StatusFormatter.format(reports, verbose: verbose, statistics: statistics), terminator: "")
            }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stream state changes as drbdsetup events2 does.")
        @ParentCommand var adm: AdmCommand
        @OptionGroup var common: Common
        @Flag(name: .long, help: "Print the current state and exit.") var now = false
        @Flag(name: .shortAndLong, help: "Add counters to device and peer-device lines (KiB): size, read, written; received, sent, out-of-sync, rs-sent, rs-received, and while a resync runs its rate (dbdt1, MiB/s) and ETA (eta, s).") var statistics = false
        func run() async throws {
            do {
                for try await event in adm.client.events(common.resource, now: now, statistics: statistics) {
                    print(event.line)
                    if now && event == .endOfDump { return }
                }
            } catch {
                throw AdmCommand.failure("events", common.resource, error)
            }
        }
    }
}
