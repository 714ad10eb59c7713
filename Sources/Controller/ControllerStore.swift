import ControllerCore
import Foundation
import GRDB
import TandemModel

/// The controller's database: one SQLite file (`controller.sqlite`) in the state folder, in WAL
/// mode, migrated at open. Objects live in one table per kind with their properties in one
/// `props` table keyed by an object path, as LINSTOR's PROPS_CONTAINERS. The file holds the
/// whole cluster and nothing host-specific, so copying it to another host moves the controller.
public final class ControllerStore: Sendable {
    public static let fileName = "controller.sqlite"
    let db: DatabaseQueue
    public let path: String

    public init(stateDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        path = (stateDirectory as NSString).appendingPathComponent(Self.fileName)
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)
        config.label = "tandem-controller"
        db = try DatabaseQueue(path: path, configuration: config)
        try Self.migrator.migrate(db)
    }

    /// Versioned schema. Never edit a registered migration; add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-linstor-object-model") { db in
            try db.execute(sql: """
                CREATE TABLE nodes (key TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, flags TEXT NOT NULL, uuid TEXT NOT NULL);
                CREATE TABLE net_interfaces (node_key TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL,
                    satellite_port INTEGER, encryption TEXT, is_active INTEGER NOT NULL, uuid TEXT NOT NULL, PRIMARY KEY (node_key, position));
                CREATE TABLE storage_pools (node_key TEXT NOT NULL, key TEXT NOT NULL, node_name TEXT NOT NULL, name TEXT NOT NULL,
                    provider TEXT NOT NULL, free_space_mgr_name TEXT NOT NULL, external_locking INTEGER NOT NULL, uuid TEXT NOT NULL,
                    PRIMARY KEY (node_key, key));
                CREATE TABLE resource_groups (key TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, select_filter TEXT NOT NULL,
                    peer_slots INTEGER, uuid TEXT NOT NULL);
                CREATE TABLE volume_groups (rg_key TEXT NOT NULL, number INTEGER NOT NULL, flags TEXT NOT NULL, uuid TEXT NOT NULL,
                    PRIMARY KEY (rg_key, number));
                CREATE TABLE resource_definitions (key TEXT PRIMARY KEY, name TEXT NOT NULL, external_name TEXT, resource_group TEXT NOT NULL,
                    flags TEXT NOT NULL, peer_slots INTEGER NOT NULL, secret TEXT NOT NULL, layer_stack TEXT NOT NULL, uuid TEXT NOT NULL);
                CREATE TABLE volume_definitions (rd_key TEXT NOT NULL, number INTEGER NOT NULL, size_kib INTEGER NOT NULL,
                    minor INTEGER NOT NULL UNIQUE, flags TEXT NOT NULL, uuid TEXT NOT NULL, PRIMARY KEY (rd_key, number));
                CREATE TABLE resources (rd_key TEXT NOT NULL, node_key TEXT NOT NULL, rd_name TEXT NOT NULL, node_name TEXT NOT NULL,
                    node_id INTEGER NOT NULL, tcp_port INTEGER NOT NULL, flags TEXT NOT NULL, created_ms INTEGER NOT NULL, uuid TEXT NOT NULL,
                    PRIMARY KEY (rd_key, node_key));
                CREATE TABLE props (path TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (path, key)) WITHOUT ROWID;
                """)
        }
        return m
    }

    /// The applied migrations, oldest first (for `controller` startup logs and tests).
    public func appliedMigrations() throws -> [String] {
        try db.read { try Self.migrator.appliedMigrations($0) }
    }

    // MARK: writing

    /// Writes a request's changes in one transaction: all of them or none.
    public func write(_ changes: [StoreChange]) throws {
        guard !changes.isEmpty else { return }
        try db.write { db in
            for c in changes { try Self.write(c, db) }
        }
    }

    static func write(_ change: StoreChange, _ db: Database) throws {
        switch change {
        case .upsertNode(let n):
            let key = Naming.key(n.name)
            try db.execute(sql: "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?)", arguments: [key, n.name, n.type.rawValue, flagsText(n.flags), n.uuid])
            try db.execute(sql: "DELETE FROM net_interfaces WHERE node_key = ?", arguments: [key])
            for (i, nif) in n.netInterfaces.enumerated() {
                try db.execute(sql: "INSERT INTO net_interfaces VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: [key, i, nif.name, nif.address, nif.satellitePort, nif.encryption?.rawValue, nif.isActive, nif.uuid])
            }
            try replaceProps(path: "N/\(key)", n.props, db)
        case .deleteNode(let name):
            let key = Naming.key(name)
            try db.execute(sql: "DELETE FROM nodes WHERE key = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM net_interfaces WHERE node_key = ?", arguments: [key])
            try deleteProps(path: "N/\(key)", db)
        case .upsertStoragePool(let p):
            let nk = Naming.key(p.nodeName), pk = Naming.key(p.name)
            try db.execute(sql: "INSERT OR REPLACE INTO storage_pools VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [nk, pk, p.nodeName, p.name, p.provider.rawValue, p.freeSpaceManagerName, p.externalLocking, p.uuid])
            try replaceProps(path: "SP/\(nk)/\(pk)", p.props, db)
        case .deleteStoragePool(let node, let pool):
            let nk = Naming.key(node), pk = Naming.key(pool)
            try db.execute(sql: "DELETE FROM storage_pools WHERE node_key = ? AND key = ?", arguments: [nk, pk])
            try deleteProps(path: "SP/\(nk)/\(pk)", db)
        case .upsertResourceGroup(let g):
            let key = Naming.key(g.name)
            let filter = String(decoding: try JSONEncoder().encode(g.selectFilter), as: UTF8.self)
            try db.execute(sql: "INSERT OR REPLACE INTO resource_groups VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [key, g.name, g.description, filter, g.peerSlots, g.uuid])
            try replaceProps(path: "RG/\(key)", g.props, db)
            try db.execute(sql: "DELETE FROM volume_groups WHERE rg_key = ?", arguments: [key])
            try deletePropsTree(prefix: "VG/\(key)/", db)
            for vg in g.volumeGroups {
                try db.execute(sql: "INSERT INTO volume_groups VALUES (?, ?, ?, ?)", arguments: [key, vg.number, flagsText(vg.flags), vg.uuid])
                try replaceProps(path: "VG/\(key)/\(vg.number)", vg.props, db)
            }
        case .deleteResourceGroup(let name):
            let key = Naming.key(name)
            try db.execute(sql: "DELETE FROM resource_groups WHERE key = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM volume_groups WHERE rg_key = ?", arguments: [key])
            try deleteProps(path: "RG/\(key)", db)
            try deletePropsTree(prefix: "VG/\(key)/", db)
        case .upsertResourceDefinition(let rd):
            let key = Naming.key(rd.name)
            try db.execute(sql: "INSERT OR REPLACE INTO resource_definitions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [key, rd.name, rd.externalName, rd.resourceGroup, flagsText(rd.flags), rd.peerSlots, rd.secret,
                                       rd.layerStack.joined(separator: ","), rd.uuid])
            try replaceProps(path: "RD/\(key)", rd.props, db)
            try db.execute(sql: "DELETE FROM volume_definitions WHERE rd_key = ?", arguments: [key])
            try deletePropsTree(prefix: "VD/\(key)/", db)
            for vd in rd.volumeDefinitions {
                try db.execute(sql: "INSERT INTO volume_definitions VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [key, vd.number, Int64(vd.sizeKiB), vd.minor, flagsText(vd.flags), vd.uuid])
                try replaceProps(path: "VD/\(key)/\(vd.number)", vd.props, db)
            }
        case .deleteResourceDefinition(let name):
            let key = Naming.key(name)
            try db.execute(sql: "DELETE FROM resource_definitions WHERE key = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM volume_definitions WHERE rd_key = ?", arguments: [key])
            try deleteProps(path: "RD/\(key)", db)
            try deletePropsTree(prefix: "VD/\(key)/", db)
        case .upsertResource(let r):
            let rk = Naming.key(r.resourceName), nk = Naming.key(r.nodeName)
            try db.execute(sql: "INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [rk, nk, r.resourceName, r.nodeName, r.nodeId, r.tcpPort, flagsText(r.flags), r.createdMillis, r.uuid])
            try replaceProps(path: "R/\(rk)/\(nk)", r.props, db)
            try deletePropsTree(prefix: "V/\(rk)/\(nk)/", db)
            for (nr, props) in r.volumeProps { try replaceProps(path: "V/\(rk)/\(nk)/\(nr)", props, db) }
        case .deleteResource(let rd, let node):
            let rk = Naming.key(rd), nk = Naming.key(node)
            try db.execute(sql: "DELETE FROM resources WHERE rd_key = ? AND node_key = ?", arguments: [rk, nk])
            try deleteProps(path: "R/\(rk)/\(nk)", db)
            try deletePropsTree(prefix: "V/\(rk)/\(nk)/", db)
        case .setControllerProps(let props):
            try replaceProps(path: "CTRL", props, db)
        }
    }

    static func flagsText(_ flags: [String]) -> String { flags.joined(separator: ",") }
    static func flags(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: ",").map(String.init) }

    static func replaceProps(path: String, _ props: Props, _ db: Database) throws {
        try deleteProps(path: path, db)
        for (k, v) in props { try db.execute(sql: "INSERT INTO props VALUES (?, ?, ?)", arguments: [path, k, v]) }
    }

    static func deleteProps(path: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM props WHERE path = ?", arguments: [path])
    }

    /// Deletes the props of every object whose path starts with `prefix` (which ends in '/');
    /// a range on the primary key, because '0' is the character after '/'.
    static func deletePropsTree(prefix: String, _ db: Database) throws {
        let upper = String(prefix.dropLast()) + "0"
        try db.execute(sql: "DELETE FROM props WHERE path >= ? AND path < ?", arguments: [prefix, upper])
    }
}
