import ControllerCore
import Foundation
import GRDB
import TandemModel

extension ControllerStore {
    /// Reads the whole cluster into memory (the controller serves every read from memory).
    public func load() throws -> ClusterState {
        try db.read { db in
            var props: [String: Props] = [:]
            let propRows = try Row.fetchCursor(db, sql: "SELECT path, key, value FROM props")
            while let row = try propRows.next() {
                props[row[0] as String, default: [:]][row[1] as String] = row[2] as String
            }
            var state = ClusterState()
            state.apply(.setControllerProps(props["CTRL"] ?? [:]))

            var interfaces: [String: [NetInterface]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT node_key, name, address, satellite_port, encryption, is_active, uuid FROM net_interfaces ORDER BY node_key, position") {
                let enc: String? = row[4]
                interfaces[row[0] as String, default: []].append(
                    NetInterface(name: row[1], address: row[2], satellitePort: row[3], encryption: enc.flatMap(EncryptionType.init(rawValue:)),
                                 isActive: row[5], uuid: row[6]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT key, name, type, flags, uuid FROM nodes") {
                let key: String = row[0]
                guard let type = NodeType(rawValue: row[2]) else { throw StoreError.corrupt("node \(key) has unknown type \(row[2] as String)") }
                state.apply(.upsertNode(NodeRecord(name: row[1], type: type, netInterfaces: interfaces[key] ?? [], props: props["N/\(key)"] ?? [:],
                                                   flags: Self.flags(row[3]), uuid: row[4])))
            }
            for row in try Row.fetchAll(db, sql: "SELECT node_key, key, node_name, name, provider, free_space_mgr_name, external_locking, uuid FROM storage_pools") {
                guard let provider = StorageProviderKind(rawValue: row[4]) else { throw StoreError.corrupt("storage pool \(row[3] as String) has unknown provider") }
                state.apply(.upsertStoragePool(StoragePoolRecord(nodeName: row[2], name: row[3], provider: provider,
                                                                 props: props["SP/\(row[0] as String)/\(row[1] as String)"] ?? [:],
                                                                 freeSpaceManagerName: row[5], externalLocking: row[6], uuid: row[7])))
            }
            var volumeGroups: [String: [VolumeGroupRecord]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rg_key, number, flags, uuid FROM volume_groups ORDER BY rg_key, number") {
                let rg: String = row[0], nr: Int = row[1]
                volumeGroups[rg, default: []].append(VolumeGroupRecord(number: nr, props: props["VG/\(rg)/\(nr)"] ?? [:], flags: Self.flags(row[2]), uuid: row[3]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT key, name, description, select_filter, peer_slots, uuid FROM resource_groups") {
                let key: String = row[0]
                let filter = try JSONDecoder().decode(AutoSelectFilter.self, from: Data((row[3] as String).utf8))
                state.apply(.upsertResourceGroup(ResourceGroupRecord(name: row[1], description: row[2], props: props["RG/\(key)"] ?? [:],
                                                                     selectFilter: filter, peerSlots: row[4], volumeGroups: volumeGroups[key] ?? [], uuid: row[5])))
            }
            var volumeDefinitions: [String: [VolumeDefinitionRecord]] = [:]
            let vdRows = try Row.fetchCursor(db, sql: "SELECT rd_key, number, size_kib, minor, flags, uuid FROM volume_definitions ORDER BY rd_key, number")
            while let row = try vdRows.next() {
                let rd: String = row[0], nr: Int = row[1], size: Int64 = row[2]
                volumeDefinitions[rd, default: []].append(VolumeDefinitionRecord(number: nr, sizeKiB: UInt64(size), minor: row[3],
                                                                                 props: props["VD/\(rd)/\(nr)"] ?? [:], flags: Self.flags(row[4]), uuid: row[5]))
            }
            let rdRows = try Row.fetchCursor(db, sql: "SELECT key, name, external_name, resource_group, flags, peer_slots, secret, layer_stack, uuid FROM resource_definitions")
            while let row = try rdRows.next() {
                let key: String = row[0]
                state.apply(.upsertResourceDefinition(ResourceDefinitionRecord(
                    name: row[1], externalName: row[2], resourceGroup: row[3], props: props["RD/\(key)"] ?? [:], flags: Self.flags(row[4]),
                    peerSlots: row[5], secret: row[6], layerStack: Self.flags(row[7]), volumeDefinitions: volumeDefinitions[key] ?? [], uuid: row[8])))
            }
            var volumeProps: [String: [Int: Props]] = [:]
            for (path, p) in props where path.hasPrefix("V/") {
                let parts = path.split(separator: "/")
                guard parts.count == 4, let nr = Int(parts[3]) else { continue }
                volumeProps["\(parts[1])/\(parts[2])", default: [:]][nr] = p
            }
            let rRows = try Row.fetchCursor(db, sql: "SELECT rd_key, node_key, rd_name, node_name, node_id, tcp_port, flags, created_ms, uuid FROM resources")
            while let row = try rRows.next() {
                let rk: String = row[0], nk: String = row[1]
                state.apply(.upsertResource(ResourceRecord(resourceName: row[2], nodeName: row[3], nodeId: row[4], tcpPort: row[5], flags: Self.flags(row[6]),
                                                           props: props["R/\(rk)/\(nk)"] ?? [:], volumeProps: volumeProps["\(rk)/\(nk)"] ?? [:],
                                                           createdMillis: row[7], uuid: row[8])))
            }
            _ = state.takeJournal()
            return state
        }
    }
}

public enum StoreError: Error, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self {
        case .corrupt(let what): "the controller database is damaged: \(what)"
        }
    }
}
