/// The resource files engine tests write (format: docs/resource-files.md): one volume on a
/// backing file, this node, its peers and optional options. One place for the text, so a
/// format change is made once.
enum TestResourceFile {
    struct Node {
        let name: String
        let id: Int
        let port: Int
    }

    static func text(_ resource: String, disk: String, size: String = "8MiB", minor: Int, on local: Node,
                     peers: [Node] = [], options: String? = nil) -> String {
        var lines = ["resource \(resource) {"]
        if let options { lines.append("    options { \(options) }") }
        lines += ["    volume 0 {", "        size \(size);", "        minor \(minor);", "        disk \(disk);", "    }"]
        for (keyword, node) in [("on", local)] + peers.map({ ("peer", $0) }) {
            lines += ["    \(keyword) \(node.name) {", "        node-id \(node.id);", "        address 127.0.0.1:\(node.port);", "    }"]
        }
        return (lines + ["}"]).joined(separator: "\n")
    }
}
