import Foundation

/// Cuts a large table into ranges of its key, about `chunkSize` bytes each, so several
/// connections can read it at once.
///
/// The ranges are on the whole primary key (or a unique key whose columns are all NOT NULL),
/// compared as a tuple: `key < B1`, `B1 <= key < B2`, ..., `key >= Bn`, each boundary `B` a
/// prefix of the key's columns. Whatever the boundaries, as long as they increase every row
/// falls in exactly one range, so correctness never depends on the estimates; they only decide
/// how even the pieces are.
///
/// Boundaries come from index lookups and the optimizer's row estimates, never a scan:
/// - the key's first column is split into spans (integers by arithmetic between MIN and MAX,
///   strings and binary strings by index dives at probes spaced between them), and each span's
///   rows are estimated (`EXPLAIN`: a few index dives);
/// - a span with twice its share of rows or more is halved again (a key with big gaps: the empty halves cost
///   one estimate each), and a span that holds one value only, with too many rows, is cut on
///   the key's next column within that value (a first column with three distinct values still
///   gives as many pieces as an integer key);
/// - the spans are then gathered, in key order, into pieces of about the same estimated rows
///   (`pieceStarts`).
/// Other key types (dates, decimals) end the descent: a table whose first key column is one,
/// or without such a key, is read in one piece.
enum TableChunker {
    /// The WHERE conditions of the chunks, in key order; `[nil]` for one piece.
    static func ranges(of table: TableID, estimatedBytes: UInt64, chunkSize: UInt64,
                       catalog: Catalog, columns: [Catalog.ColumnInfo]) throws -> [SQLText?] {
        let pieces = pieces(estimatedBytes: estimatedBytes, chunkSize: chunkSize)
        guard pieces > 1, let key = try catalog.chunkKey(of: table) else { return [nil] }
        let kinds = key.columns.map { name in columns.first { $0.name == name }.flatMap { KeyKind($0.dataType) } }
        let usable = Array(zip(key.columns, kinds).prefix { $0.1 != nil }.map { ($0.0, $0.1!) })
        guard !usable.isEmpty else { return [nil] }
        var cutter = Cutter(table: table, index: key.index, key: usable, catalog: catalog)
        let boundaries = try cutter.boundaries(pieces: pieces)
        return ranges(on: usable.map(\.0), boundaries: boundaries)
    }

    /// How many pieces a table of `estimatedBytes` is cut into (at most 4096); 1 when it is
    /// not larger than one chunk or chunking is off.
    static func pieces(estimatedBytes: UInt64, chunkSize: UInt64) -> Int {
        guard chunkSize > 0, estimatedBytes > chunkSize else { return 1 }
        return Int(min((estimatedBytes + chunkSize - 1) / chunkSize, 4096))
    }

    /// The kinds of key column the chunker can split.
    enum KeyKind: Equatable {
        case integer, text, binary

        init?(_ dataType: String) {
            switch dataType.lowercased() {
            case "tinyint", "smallint", "mediumint", "int", "bigint": self = .integer
            case "char", "varchar": self = .text
            case "binary", "varbinary": self = .binary
            default: return nil
            }
        }
    }

    /// Cuts `minimum...maximum` of an integer key into `pieces` even spans: the starts of
    /// spans 2...pieces, strictly increasing (fewer when the range holds fewer values).
    static func integerBoundaries(minimum: Int128, maximum: Int128, pieces: Int) -> [Int128] {
        guard maximum > minimum, pieces > 1 else { return [] }
        var boundaries: [Int128] = []
        let width = maximum - minimum + 1
        for index in 1..<pieces {
            let boundary = minimum + width * Int128(index) / Int128(pieces)
            if boundary > (boundaries.last ?? minimum) && boundary <= maximum { boundaries.append(boundary) }
        }
        return boundaries
    }

    /// Where pieces of about `target` rows start when spans of `rows` (in key order, never
    /// straddling two pieces) are gathered: the indices of the spans that begin pieces 2, 3, ...
    /// A piece closes before a span that would take it past 1.25 targets, except that a small
    /// span (under a quarter target) joins the piece before it, up to 1.5 targets, and a piece
    /// under a quarter target takes the next span whatever its size (a short tail joins the
    /// piece before): a short run of spans between large ones (a string key's probes landing
    /// close together) never makes a piece of its own.
    static func pieceStarts(rows: [Double], target: Double) -> [Int] {
        var starts: [Int] = []
        var gathered = 0.0
        for (index, spanRows) in rows.enumerated() {
            let over = gathered + spanRows
            let small = spanRows < target / 4
            if gathered >= target / 4 && over > target * 1.25 && (!small || over > target * 1.5) {
                starts.append(index)
                gathered = 0
            }
            gathered += spanRows
        }
        // A short tail joins the piece before it.
        if gathered < target / 4, !starts.isEmpty { starts.removeLast() }
        return starts
    }

    /// The conditions between increasing `boundaries`, each a prefix of the values of
    /// `columns`: `key < B1`, `B1 <= key < B2`, ..., `key >= Bn` (every row in exactly one);
    /// `[nil]` without boundaries.
    static func ranges(on columns: [SQLName], boundaries: [[SQLText]]) -> [SQLText?] {
        guard let first = boundaries.first, let last = boundaries.last else { return [nil] }
        var ranges: [SQLText?] = [compare(columns, below: true, first)]
        for index in 1..<boundaries.count {
            ranges.append("\(sql: compare(columns, below: false, boundaries[index - 1])) AND \(sql: compare(columns, below: true, boundaries[index]))")
        }
        ranges.append(compare(columns, below: false, last))
        return ranges
    }

    /// `key < B` (below) or `key >= B` for a boundary `B` that is a prefix of the key, as
    /// conditions the range optimizer reads: `a > 1 OR (a = 1 AND b >= 'x')`.
    private static func compare(_ columns: [SQLName], below: Bool, _ boundary: [SQLText]) -> SQLText {
        let name: SQLText = "\(identifier: columns[0])"
        guard boundary.count > 1 else { return "\(sql: name) \(sql: below ? "<" : ">=") \(sql: boundary[0])" }
        let rest = compare(Array(columns.dropFirst()), below: below, Array(boundary.dropFirst()))
        return "(\(sql: name) \(sql: below ? "<" : ">") \(sql: boundary[0]) OR (\(sql: name) = \(sql: boundary[0]) AND \(sql: rest)))"
    }

    /// A value about `fraction` of the way from `low` to `high`: their common prefix, then the
    /// next four bytes interpolated as a number. Text probes stay in printable ASCII, so they
    /// are valid in any character set; a probe only guides the index dive.
    static func probe(between low: [UInt8], and high: [UInt8], fraction: Double, binary: Bool) -> [UInt8] {
        let prefix = zip(low, high).prefix { $0 == $1 }.count
        let (base, offset): (Double, UInt8) = binary ? (256, 0) : (95, 0x20)
        func digits(_ bytes: [UInt8]) -> Double {
            var value = 0.0
            for position in 0..<4 {
                let byte = prefix + position < bytes.count ? bytes[prefix + position] : (binary ? 0 : 0x20)
                let digit = binary ? Double(byte) : Double(min(max(byte, 0x20), 0x7E) - 0x20)
                value = value * base + digit
            }
            return value
        }
        var value = digits(low) + (digits(high) - digits(low)) * fraction
        var tail = [UInt8](repeating: 0, count: 4)
        for position in (0..<4).reversed() {
            let digit = value.truncatingRemainder(dividingBy: base)
            tail[position] = UInt8(digit) + offset
            value = (value - digit) / base
        }
        return Array(low.prefix(prefix)) + tail
    }

    /// A boundary or probe as SQL: hex for binary strings, a quoted literal for text.
    static func literal(_ bytes: [UInt8], binary: Bool) -> SQLText {
        binary ? "X'\(sql: SQLText(verbatim: Hexadecimal.encode(bytes)))'" : "\(literalBytes: bytes)"
    }
}

/// The search for one table's boundaries: spans of the key, each with its estimated rows, cut
/// until no span holds much more than one piece's share (or the lookups' budget is spent).
private struct Cutter {
    let table: TableID
    let index: SQLName
    let key: [(name: SQLName, kind: TableChunker.KeyKind)]
    let catalog: Catalog
    /// Index dives and estimates left: a bound on the time cutting takes.
    private var budget = 0

    init(table: TableID, index: SQLName, key: [(name: SQLName, kind: TableChunker.KeyKind)], catalog: Catalog) {
        self.table = table
        self.index = index
        self.key = key
        self.catalog = catalog
    }

    /// A value of one key column: exact integers, or the bytes of a string.
    enum Value {
        case integer(Int128)
        case bytes([UInt8])
    }

    /// Rows whose key starts with `prefix` and whose next column (`column`) is at least
    /// `lower` and, with `upper`, below it. A string span's `lower` is a value the table has;
    /// `highest` is the largest value of the column under `prefix` (a string probe's end).
    struct Span {
        var prefix: [SQLText]
        var column: Int
        var lower: Value
        var upper: Value?
        var highest: Value
        var rows: Double

        /// Where the span starts, as a boundary.
        func start(_ cutter: Cutter) -> [SQLText] { prefix + [cutter.literal(lower, column)] }
    }

    mutating func boundaries(pieces: Int) throws -> [[SQLText]] {
        budget = 8 * pieces + 64
        guard let whole = try spans(prefix: [], column: 0, pieces: pieces) else { return [] }
        let total = whole.reduce(0) { $0 + $1.rows }
        guard total > 0 else { return [] }
        let target = total / Double(pieces)
        var leaves: [Span] = []
        var pending = whole.reversed() as [Span]
        // Depth first, in key order: each span is kept, halved, or cut on the next column.
        while let span = pending.popLast() {
            // Twice the share: estimates are rough (InnoDB's by a quarter or so), and spans cut
            // by arithmetic on a dense key are even already; halving them on noise would not be.
            guard span.rows > target * 2, budget > 0, let parts = try split(span, target: target) else {
                leaves.append(span)
                continue
            }
            pending.append(contentsOf: parts.reversed())
        }
        return TableChunker.pieceStarts(rows: leaves.map(\.rows), target: target).map { leaves[$0].start(self) }
    }

    /// `column`'s values under `prefix`, cut into about `pieces` spans with their estimates;
    /// nil when no row has the prefix.
    private mutating func spans(prefix: [SQLText], column: Int, pieces: Int) throws -> [Span]? {
        let name = key[column].name
        budget -= 1
        guard let (low, high) = try catalog.bounds(of: name, in: table, where: prefixCondition(prefix)) else { return nil }
        switch key[column].kind {
        case .integer:
            guard let minimum = integer(low), let maximum = integer(high) else { return nil }
            return try integerSpans(prefix: prefix, column: column, from: minimum, to: maximum + 1, minimum: minimum, maximum: maximum, pieces: pieces)
        case .text, .binary:
            var starts = [low]
            for step in 1..<max(pieces, 2) where budget > 0 {
                let probe = TableChunker.probe(between: low, and: high, fraction: Double(step) / Double(pieces), binary: key[column].kind == .binary)
                budget -= 1
                let condition = and(prefixCondition(prefix), "\(identifier: name) >= \(sql: literal(.bytes(probe), column)) AND \(identifier: name) > \(sql: literal(.bytes(starts[starts.count - 1]), column))")
                guard let found = try catalog.firstValue(of: name, in: table, where: condition) else { break }
                starts.append(found)
            }
            var spans: [Span] = []
            for position in starts.indices {
                let upper = position + 1 < starts.count ? Value.bytes(starts[position + 1]) : nil
                var span = Span(prefix: prefix, column: column, lower: .bytes(starts[position]), upper: upper, highest: .bytes(high), rows: 0)
                span.rows = try estimate(span)
                spans.append(span)
            }
            return spans
        }
    }

    /// `from..<to` of an integer column, whose rows lie in `minimum...maximum`, cut into
    /// `pieces` spans of equal width between those (the first from `from`, the last to `to`).
    private mutating func integerSpans(prefix: [SQLText], column: Int, from: Int128, to: Int128, minimum: Int128, maximum: Int128,
                                       pieces: Int) throws -> [Span] {
        let starts = [from] + TableChunker.integerBoundaries(minimum: minimum, maximum: maximum, pieces: pieces) + [to]
        var spans: [Span] = []
        for position in 0..<(starts.count - 1) {
            var span = Span(prefix: prefix, column: column, lower: .integer(starts[position]), upper: .integer(starts[position + 1]),
                            highest: .integer(maximum), rows: 0)
            span.rows = try estimate(span)
            spans.append(span)
        }
        return spans
    }

    /// The span cut in smaller ones, or on the next key column when it holds one value; nil
    /// when it cannot be cut (one value of the last usable column), [] when it is empty.
    private mutating func split(_ span: Span, target: Double) throws -> [Span]? {
        let name = key[span.column].name
        let pieces = Int(min(max((span.rows / target).rounded(.up), 2), 64))
        let single: Value
        switch (span.lower, span.upper) {
        case let (.integer(lower), .integer(upper)?):
            // Where its rows really are (a key with gaps), then even widths between.
            budget -= 1
            let within = and(prefixCondition(span.prefix), "\(identifier: name) >= \(lower) AND \(identifier: name) < \(upper)")
            guard let (low, high) = try catalog.bounds(of: name, in: table, where: within),
                  let minimum = integer(low), let maximum = integer(high) else { return [] }
            if maximum > minimum {
                return try integerSpans(prefix: span.prefix, column: span.column, from: lower, to: upper, minimum: minimum, maximum: maximum,
                                        pieces: pieces)
            }
            single = .integer(minimum)
        case let (.bytes(lower), upper):
            if let middle = try stringMiddle(of: span, from: lower, upper: upper) {
                var left = span, right = span
                left.upper = middle
                right.lower = middle
                left.rows = try estimate(left)
                right.rows = try estimate(right)
                return [left, right]
            }
            single = span.lower
        default:
            return nil
        }
        // One value: cut on the next column within it.
        guard span.column + 1 < key.count else { return nil }
        return try spans(prefix: span.prefix + [literal(single, span.column)], column: span.column + 1, pieces: pieces)
    }

    /// A value of the table's between a string span's start and end that leaves about half
    /// its rows on each side; nil when the span holds one value. Probes interpolate bytes, not
    /// the collation's order (digits sort among letters and punctuation), so the fraction is
    /// searched: a probe past every value, or one leaving a side with less than a third of the
    /// rows, moves the next one.
    private mutating func stringMiddle(of span: Span, from lower: [UInt8], upper: Value?) throws -> Value? {
        let name = key[span.column].name
        var end = span.highest
        if let upper { end = upper }
        guard case let .bytes(endBytes) = end else { return nil }
        var inside: SQLText = "\(identifier: name) > \(sql: literal(span.lower, span.column))"
        if let upper { inside += " AND \(identifier: name) < \(sql: literal(upper, span.column))" }
        inside = and(prefixCondition(span.prefix), inside)
        var (least, most) = (0.0, 1.0)
        var best: (value: [UInt8], balance: Double)?
        for _ in 0..<6 where budget > 0 {
            let fraction = (least + most) / 2
            let probe = TableChunker.probe(between: lower, and: endBytes, fraction: fraction, binary: key[span.column].kind == .binary)
            budget -= 1
            guard let found = try catalog.firstValue(of: name, in: table, where: and(inside, "\(identifier: name) >= \(sql: literal(.bytes(probe), span.column))")) else {
                most = fraction
                continue
            }
            var left = span
            left.upper = .bytes(found)
            let share = try estimate(left) / max(span.rows, 1)
            if best == nil || abs(share - 0.5) < best!.balance { best = (found, abs(share - 0.5)) }
            if share < 1.0 / 3 {
                least = fraction
            } else if share > 2.0 / 3 {
                most = fraction
            } else {
                break
            }
        }
        if let best { return .bytes(best.value) }
        budget -= 1
        return try catalog.firstValue(of: name, in: table, where: inside).map { .bytes($0) }
    }

    /// The optimizer's rows for `span`.
    private mutating func estimate(_ span: Span) throws -> Double {
        budget -= 1
        let name = key[span.column].name
        var condition: SQLText = "\(identifier: name) >= \(sql: literal(span.lower, span.column))"
        if let upper = span.upper { condition += " AND \(identifier: name) < \(sql: literal(upper, span.column))" }
        return try catalog.estimatedRows(in: table, index: index, where: and(prefixCondition(span.prefix), condition))
    }

    /// `c1 = v1 AND c2 = v2 ...` for a prefix of the key's values; nil for none.
    private func prefixCondition(_ prefix: [SQLText]) -> SQLText? {
        guard !prefix.isEmpty else { return nil }
        return SQLText.joined(prefix.enumerated().map { "\(identifier: key[$0.offset].name) = \(sql: $0.element)" }, separator: " AND ")
    }

    private func and(_ first: SQLText?, _ second: SQLText) -> SQLText {
        guard let first else { return second }
        return "\(sql: first) AND \(sql: second)"
    }

    private func integer(_ text: [UInt8]) -> Int128? { Int128(String(decoding: text, as: UTF8.self)) }

    func literal(_ value: Value, _ column: Int) -> SQLText {
        switch value {
        case .integer(let number): SQLText(verbatim: String(number))
        case .bytes(let bytes): TableChunker.literal(bytes, binary: key[column].kind == .binary)
        }
    }
}
