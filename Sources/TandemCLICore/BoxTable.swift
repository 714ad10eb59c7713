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
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.text.count) }
        }
        let g = style.utf8
            ? (tl: "╭", tr: "╮", bl: "╰", br: "╯", ml: "╞", mr: "╡", dotted: "┄", straight: "─", pipe: "┊")
            : (tl: "+", tr: "+", bl: "+", br: "+", ml: "|", mr: "|", dotted: "-", straight: "-", pipe: "|")
        let inner = widths.reduce(0, +) + 3 * columns.count - 1
        func rule(_ left: String, _ fill: String, _ right: String) -> String {
            left + String(repeating: fill, count: inner) + right + "\n"
        }
        func line(_ cells: [Cell]) -> String {
            var out = g.pipe
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.text.count)
                let painted = style.paint(cell.text, cell.color)
                out += " " + (columns[i].alignment == .right ? pad + painted : painted + pad) + " " + g.pipe
            }
            return out + "\n"
        }
        var out = rule(g.tl, g.straight, g.tr)
        out += line(columns.map { Cell($0.title) })
        out += rule(g.ml, g.dotted, g.mr)
        for row in rows { out += line(row) }
        out += rule(g.bl, g.straight, g.br)
        return out
    }
}
