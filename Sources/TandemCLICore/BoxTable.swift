/// A table in the linstor client's box style:
///
///     ╭──────────────────────────────────────────────────╮
///     ┊ Node  ┊ NodeType  ┊ Addresses            ┊ State  ┊
///     ╞┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄╡
///     ┊ alpha ┊ SATELLITE ┊ 10.0.0.1:3366 (PLAIN) ┊ Online ┊
///     ╰──────────────────────────────────────────────────╯
///
/// Widths are measured on the visible text, so coloured cells line up with plain ones.
public struct BoxTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        public init(_ title: String, alignment: Alignment = .left) { self.title = title; self.alignment = alignment }
    }

    public struct Cell: Sendable, Equatable, ExpressibleByStringLiteral {
        public var text: String
        public var color: TerminalStyle.Color?
        public init(_ text: String, color: TerminalStyle.Color? = nil) { self.text = text; self.color = color }
        public init(stringLiteral value: String) { self.init(value) }
    }

    public var columns: [Column]
    public private(set) var rows: [[Cell]] = []

    public init(columns: [Column]) { self.columns = columns }

    public mutating func addRow(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "a row needs one cell per column")
        rows.append(cells)
    }

    public func render(style: TerminalStyle) -> String {
        // Widths are counted once per cell (30,000-row lists): Character counts, not bytes.
        let cellWidths = rows.map { $0.map(\.text.count) }
        var widths = columns.map { $0.title.count }
        for row in cellWidths {
            for (i, w) in row.enumerated() { widths[i] = max(widths[i], w) }
        }
        let g = style.utf8
            ? (tl: "╭", tr: "╮", bl: "╰", br: "╯", ml: "╞", mr: "╡", dotted: "┄", straight: "─", pipe: "┊")
            : (tl: "+", tr: "+", bl: "+", br: "+", ml: "|", mr: "|", dotted: "-", straight: "-", pipe: "|")
        let inner = widths.reduce(0, +) + 3 * columns.count - 1
        var out = ""
        out.reserveCapacity((inner + 8) * (rows.count + 4) + (style.utf8 ? 6 * inner : 0))
        func rule(_ left: String, _ fill: String, _ right: String) {
            out += left
            out += String(repeating: fill, count: inner)
            out += right
            out += "\n"
        }
        func line(_ cells: [Cell], _ cellWidths: [Int]) {
            out += g.pipe
            for (i, cell) in cells.enumerated() {
                let pad = widths[i] - cellWidths[i]
                out += " "
                if columns[i].alignment == .right, pad > 0 { out += String(repeating: " ", count: pad) }
                if style.colors, let color = cell.color { out += style.paint(cell.text, color) } else { out += cell.text }
                if columns[i].alignment == .left, pad > 0 { out += String(repeating: " ", count: pad) }
                out += " "
                out += g.pipe
            }
            out += "\n"
        }
        rule(g.tl, g.straight, g.tr)
        line(columns.map { Cell($0.title) }, columns.map { $0.title.count })
        rule(g.ml, g.dotted, g.mr)
        for (row, rowWidths) in zip(rows, cellWidths) { line(row, rowWidths) }
        rule(g.bl, g.straight, g.br)
        return out
    }
}
