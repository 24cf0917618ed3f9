import Foundation
import MariaDBClient

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
        guard chunkSize > 0, estimatedBytes > chunkSize else { return [nil] }
        let pieces = Int(min((estimatedBytes + chunkSize - 1) / chunkSize, 4096))
        guard let key = try catalog.chunkKey(of: table), let first = key.first,
              let column = columns.first(where: { $0.name == first }) else { return [nil] }
        let name: SQLText = "\(identifier: first)"
        let connection = catalog.connection
        let bounds = try connection.query("SELECT MIN(\(sql: name)), MAX(\(sql: name)) FROM \(qualified: table)").rows.first
        guard let low = bounds?[0], let high = bounds?[1] else { return [nil] }

        var boundaries: [SQLText] = []
        switch column.dataType.lowercased() {
        case "tinyint", "smallint", "mediumint", "int", "bigint":
            // Doubles: an unsigned BIGINT's range fits; rounding only makes pieces less even.
            guard let minimum = Double(String(decoding: low, as: UTF8.self)),
                  let maximum = Double(String(decoding: high, as: UTF8.self)), maximum > minimum else { return [nil] }
            var last = minimum
            for index in 1..<pieces {
                let boundary = (minimum + (maximum - minimum + 1) * Double(index) / Double(pieces)).rounded(.down)
                if boundary > last && boundary <= maximum {
                    boundaries.append(SQLText(verbatim: String(format: "%.0f", boundary)))
                    last = boundary
                }
            }
        case "char", "varchar", "binary", "varbinary":
            let binary = column.dataType.lowercased().hasSuffix("binary")
            var previous: [UInt8]?
            for index in 1..<pieces {
                let probe = Self.probe(between: low, and: high, fraction: Double(index) / Double(pieces), binary: binary)
                var query: SQLText = "SELECT \(sql: name) FROM \(qualified: table) WHERE \(sql: name) >= \(sql: Self.literal(probe, binary: binary))"
                if let previous { query += " AND \(sql: name) > \(sql: Self.literal(previous, binary: binary))" }
                query += " ORDER BY \(sql: name) LIMIT 1"
                guard let found = try connection.query(query).rows.first?[0] else { break }
                boundaries.append(Self.literal(found, binary: binary))
                previous = found
            }
        default:
            return [nil]
        }
        guard !boundaries.isEmpty else { return [nil] }
        var ranges: [SQLText?] = ["\(sql: name) < \(sql: boundaries[0])"]
        for index in 1..<boundaries.count {
            ranges.append("\(sql: name) >= \(sql: boundaries[index - 1]) AND \(sql: name) < \(sql: boundaries[index])")
        }
        ranges.append("\(sql: name) >= \(sql: boundaries[boundaries.count - 1])")
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
