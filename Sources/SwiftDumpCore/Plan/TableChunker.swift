import Foundation

/// Cuts a large table into ranges of its key, about `chunkSize` bytes each, so several
/// connections can read it at once.
///
/// The ranges are on the first column of the primary key (or of a unique key whose columns are
/// all NOT NULL): `c < b1`, `b1 <= c < b2`, ..., `c >= bn`. Whatever the boundaries, every row
/// falls in exactly one range, so correctness never depends on the estimates; the estimates
/// only decide how even the pieces are. Boundaries come from index lookups, never a scan:
/// MIN and MAX of the column, then for integers arithmetic, for strings and binary strings one
/// index dive per boundary (`SELECT c ... WHERE c >= probe ORDER BY c LIMIT 1`) with probes
/// spaced between MIN and MAX. Other key types (dates, decimals) and tables without such a key
/// are read in one piece.
enum TableChunker {
    /// The WHERE conditions of the chunks, in key order; `[nil]` for one piece.
    static func ranges(of table: TableID, estimatedBytes: UInt64, chunkSize: UInt64,
                       catalog: Catalog, columns: [Catalog.ColumnInfo]) throws -> [SQLText?] {
        let pieces = pieces(estimatedBytes: estimatedBytes, chunkSize: chunkSize)
        guard pieces > 1, let key = try catalog.chunkKey(of: table), let first = key.first,
              let column = columns.first(where: { $0.name == first }),
              let (low, high) = try catalog.bounds(of: first, in: table) else { return [nil] }
        var boundaries: [SQLText] = []
        switch column.dataType.lowercased() {
        case "tinyint", "smallint", "mediumint", "int", "bigint":
            guard let minimum = Double(String(decoding: low, as: UTF8.self)),
                  let maximum = Double(String(decoding: high, as: UTF8.self)) else { return [nil] }
            boundaries = integerBoundaries(minimum: minimum, maximum: maximum, pieces: pieces)
        case "char", "varchar", "binary", "varbinary":
            let binary = column.dataType.lowercased().hasSuffix("binary")
            var previous: [UInt8]?
            for index in 1..<pieces {
                let probe = probe(between: low, and: high, fraction: Double(index) / Double(pieces), binary: binary)
                guard let found = try catalog.firstValue(of: first, in: table, atLeast: literal(probe, binary: binary),
                                                         above: previous.map { literal($0, binary: binary) }) else { break }
                boundaries.append(literal(found, binary: binary))
                previous = found
            }
        default:
            return [nil]
        }
        return ranges(on: first, boundaries: boundaries)
    }

    /// How many pieces a table of `estimatedBytes` is cut into (at most 4096); 1 when it is
    /// not larger than one chunk or chunking is off.
    static func pieces(estimatedBytes: UInt64, chunkSize: UInt64) -> Int {
        guard chunkSize > 0, estimatedBytes > chunkSize else { return 1 }
        return Int(min((estimatedBytes + chunkSize - 1) / chunkSize, 4096))
    }

    /// Boundaries that cut `minimum...maximum` of an integer key into `pieces` even spans,
    /// strictly increasing. Doubles: an unsigned BIGINT's range fits; rounding only makes
    /// pieces less even.
    static func integerBoundaries(minimum: Double, maximum: Double, pieces: Int) -> [SQLText] {
        guard maximum > minimum, pieces > 1 else { return [] }
        var boundaries: [SQLText] = []
        var last = minimum
        for index in 1..<pieces {
            let boundary = (minimum + (maximum - minimum + 1) * Double(index) / Double(pieces)).rounded(.down)
            if boundary > last && boundary <= maximum {
                boundaries.append(SQLText(verbatim: String(format: "%.0f", boundary)))
                last = boundary
            }
        }
        return boundaries
    }

    /// The conditions between increasing `boundaries`: `c < b1`, `b1 <= c < b2`, ..., `c >= bn`
    /// (every value in exactly one); `[nil]` without boundaries.
    static func ranges(on column: SQLName, boundaries: [SQLText]) -> [SQLText?] {
        guard let first = boundaries.first, let last = boundaries.last else { return [nil] }
        let name: SQLText = "\(identifier: column)"
        var ranges: [SQLText?] = ["\(sql: name) < \(sql: first)"]
        for index in 1..<boundaries.count {
            ranges.append("\(sql: name) >= \(sql: boundaries[index - 1]) AND \(sql: name) < \(sql: boundaries[index])")
        }
        ranges.append("\(sql: name) >= \(sql: last)")
        return ranges
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
