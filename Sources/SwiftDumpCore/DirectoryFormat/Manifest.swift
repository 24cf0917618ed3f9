import Foundation
import MariaDBClient

/// `manifest.json`, the last file a directory dump writes and its commit marker: what the
/// writer (``DirectoryLayout``) records and the reader (``DirectoryDump``) checks, one type
/// for both sides.
struct Manifest: Codable, Sendable {
    /// The format this build writes and reads.
    static let currentFormat = "swiftdump-dir-2"
    static let fileName = "manifest.json"

    /// What a file of the dump holds.
    enum FileKind: String, Codable, Sendable {
        /// CREATE DATABASE.
        case database
        /// A table's or sequence's DROP/CREATE.
        case schema
        /// INSERTs of one chunk of a table.
        case data
        /// Deferred foreign keys, triggers, views, routines, events: after all the data.
        case objects

        /// The order a dump's files load in, by kind (for a directory without a manifest).
        var loadRank: Int {
            switch self {
            case .database: 0
            case .schema: 1
            case .data: 2
            case .objects: 3
            }
        }
    }

    struct FileRecord: Codable, Sendable {
        var order: Int
        /// Relative to the dump's directory, names percent-encoded (``FileNames``).
        var path: String
        var kind: FileKind
        var database: SQLName?
        var table: SQLName?
        /// Bytes stored (compressed, if it is) and bytes of SQL in them.
        var bytes: UInt64
        var sqlBytes: UInt64
        var rows: UInt64
        /// XXH64 of the file's bytes as stored, as `xxhsum -H64` prints it.
        var xxh64: String
        var rowChecksum: UInt64?
        /// The version the store gave the file (an object store's ETag): a restore that lists
        /// the same version, and size, knows the file unchanged without reading it.
        var storedVersion: String?

        /// A file just opened: the sizes and checksums are filled in when it is closed.
        init(order: Int, path: String, kind: FileKind, database: SQLName?, table: SQLName?) {
            self.order = order
            self.path = path
            self.kind = kind
            self.database = database
            self.table = table
            bytes = 0
            sqlBytes = 0
            rows = 0
            xxh64 = ""
        }
    }

    struct TableRecord: Codable, Sendable {
        var database: SQLName
        var table: SQLName
        var rows: UInt64
        var rowChecksum: UInt64
    }

    var format = Manifest.currentFormat
    var tool: String
    var serverVersion: String
    var startedAt: String
    var finishedAt: String
    /// How the dump was made: the settings in effect, never the command line.
    var settings: DumpSettings?
    var compression: String
    var snapshot: SnapshotProof?
    var notCoveredBySnapshot: [TableID]
    var rowChecksum = "sum of XXH64 of each row's SQL value list as written (utf8mb4, time zone as in the files), modulo 2^64"
    var files: [FileRecord]
    var tables: [TableRecord]

    /// The manifest's JSON, a record at a time: the header's keys as JSONEncoder writes them,
    /// then `files` and `tables` with one record per line. Encoding the whole value at once
    /// built a tree of every record first (36 MB of 52 at 10,000 tables, growing with them).
    func write(to stream: OutputStream) throws {
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let compact = JSONEncoder()
        compact.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out: [UInt8] = Array("{\n".utf8)
        func key(_ name: String) { out += Array("  \"\(name)\" : ".utf8) }
        /// A header value, its inner lines indented under the key.
        func field<Value: Encodable>(_ name: String, _ value: Value?) throws {
            guard let value else { return }
            key(name)
            let encoded = Array(try pretty.encode(value))
            for (index, byte) in encoded.enumerated() {
                out.append(byte)
                if byte == UInt8(ascii: "\n"), index + 1 < encoded.count, encoded[index + 1] != byte { out += [0x20, 0x20] }
            }
            out += Array(",\n".utf8)
        }
        func records<Record: Encodable>(_ name: String, _ records: [Record], last: Bool) throws {
            key(name)
            out += Array("[".utf8)
            for (index, record) in records.enumerated() {
                out += Array((index == 0 ? "\n    " : ",\n    ").utf8)
                out += try compact.encode(record)
                if out.count >= 1 << 16 {
                    try stream.write(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            out += Array((records.isEmpty ? "]" : "\n  ]").utf8) + Array((last ? "\n}\n" : ",\n").utf8)
        }
        try field("compression", compression)
        try field("finishedAt", finishedAt)
        try field("format", format)
        try field("notCoveredBySnapshot", notCoveredBySnapshot)
        try field("rowChecksum", rowChecksum)
        try field("serverVersion", serverVersion)
        try field("settings", settings)
        try field("snapshot", snapshot)
        try field("startedAt", startedAt)
        try field("tool", tool)
        try records("files", files, last: false)
        try records("tables", tables, last: true)
        try stream.write(out)
    }
}

/// The names of a directory dump's files: `<db>/database.sql`, `<db>/<table>.schema.sql`,
/// `<db>/<table>.00001.sql` (one per chunk), `objects.sql`, each with `.zst` or `.gz` when
/// compressed. Database and table names are percent-encoded (anything but letters, digits,
/// `_`, `-`, `$`), so every dot in a file name is ours and any byte of a name survives.
enum FileNames {
    static func encode(_ name: SQLName) -> String {
        Hexadecimal.percentEncoded(name.bytes) { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "$"):
                true
            default:
                false
            }
        }
    }

    /// The inverse of ``encode(_:)``.
    static func decode(_ encoded: String) -> SQLName {
        let utf8 = Array(encoded.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = Hexadecimal.value(utf8[index + 1]), let low = Hexadecimal.value(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return SQLName(bytes: bytes)
    }

    /// `.sql`, `.sql.zst`, `.sql.gz`.
    static func suffix(_ compression: CompressionFormat?) -> String {
        compression.map { ".sql.\($0.fileExtension)" } ?? ".sql"
    }

    static func database(_ database: SQLName, suffix: String) -> String { "\(encode(database))/database\(suffix)" }

    static func schema(_ table: TableID, suffix: String) -> String { "\(encode(table.database))/\(encode(table.table)).schema\(suffix)" }

    static func chunk(_ table: TableID, number: Int, suffix: String) -> String {
        let digits = String(number)
        return "\(encode(table.database))/\(encode(table.table)).\(String(repeating: "0", count: max(0, 5 - digits.count)) + digits)\(suffix)"
    }

    static func objects(suffix: String) -> String { "objects\(suffix)" }

    /// What a file found in a directory without a manifest holds, from its name alone; nil
    /// for a file that is not a dump's.
    static func parse(_ relative: String) -> (kind: Manifest.FileKind, database: SQLName?, table: SQLName?)? {
        let parts = relative.split(separator: "/").map(String.init)
        guard let name = parts.last, name.hasSuffix(".sql") || name.hasSuffix(".sql.zst") || name.hasSuffix(".sql.gz") else { return nil }
        let stem = name.components(separatedBy: ".sql").first ?? name
        if parts.count == 1 { return stem == "objects" ? (.objects, nil, nil) : nil }
        guard parts.count == 2 else { return nil }
        let database = decode(parts[0])
        if stem == "database" { return (.database, database, nil) }
        if stem.hasSuffix(".schema") { return (.schema, database, decode(String(stem.dropLast(".schema".count)))) }
        if let dot = stem.lastIndex(of: ".") { return (.data, database, decode(String(stem[..<dot]))) }
        return nil
    }
}

extension Manifest {
    /// Reads a manifest a record at a time, the counterpart of ``write(to:)``: `files` and
    /// `tables` are decoded element by element, the rest as one object. JSONDecoder on the
    /// whole document held a parsed copy of every record besides the records: 45 MB for the
    /// 4.6 MB manifest of 10,000 tables, 10x at 100,000. Any JSON layout of the same value reads.
    static func read(_ bytes: [UInt8]) throws -> Manifest {
        let decoder = JSONDecoder()
        return try bytes.withUnsafeBufferPointer { all in
            func slice(_ range: Range<Int>) -> Data { Data(all[range]) }
            var scanner = JSONScanner(bytes: all)
            var header: [UInt8] = []
            var files: [FileRecord]?
            var tables: [TableRecord]?
            try scanner.expect(UInt8(ascii: "{"))
            if !scanner.consume(UInt8(ascii: "}")) {
                repeat {
                    let keyRange = try scanner.string()
                    try scanner.expect(UInt8(ascii: ":"))
                    switch try decoder.decode(String.self, from: slice(keyRange)) {
                    case "files":
                        var records: [FileRecord] = []
                        try scanner.elements { records.append(try decoder.decode(FileRecord.self, from: slice($0))) }
                        files = records
                    case "tables":
                        var records: [TableRecord] = []
                        try scanner.elements { records.append(try decoder.decode(TableRecord.self, from: slice($0))) }
                        tables = records
                    default:
                        let value = try scanner.value()
                        header += Array(all[keyRange]) + [UInt8(ascii: ":")] + Array(all[value]) + [UInt8(ascii: ",")]
                    }
                } while scanner.consume(UInt8(ascii: ","))
                try scanner.expect(UInt8(ascii: "}"))
            }
            try scanner.end()
            // Present but empty here, so the decoder still says which of them is missing.
            if files != nil { header += Array("\"files\":[],".utf8) }
            if tables != nil { header += Array("\"tables\":[],".utf8) }
            if !header.isEmpty { header.removeLast() }
            var manifest = try decoder.decode(Manifest.self, from: Data([UInt8(ascii: "{")] + header + [UInt8(ascii: "}")]))
            manifest.files = files ?? []
            manifest.tables = tables ?? []
            return manifest
        }
    }
}

/// Finds where JSON values start and end, without parsing them: enough to hand a document's
/// parts to JSONDecoder one at a time.
private struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "malformed JSON at byte \(offset)" }
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func expect(_ byte: UInt8) throws {
        guard consume(byte) else { throw Malformed(offset: index) }
    }

    /// Only white space is left.
    mutating func end() throws {
        skipSpace()
        guard index == bytes.count else { throw Malformed(offset: index) }
    }

    /// A string, its quotes included.
    mutating func string() throws -> Range<Int> {
        skipSpace()
        let start = index
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed(offset: index) }
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                index += 1
                return start..<index
            default: index += 1
            }
        }
        throw Malformed(offset: start)
    }

    /// Any value: a string, an object or array (to its matching bracket), or a scalar.
    mutating func value() throws -> Range<Int> {
        skipSpace()
        let start = index
        guard index < bytes.count else { throw Malformed(offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    _ = try string()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return start..<index
                    }
                default: break
                }
                index += 1
            }
            throw Malformed(offset: start)
        default:
            while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) {
                index += 1
            }
            guard index > start else { throw Malformed(offset: start) }
            return start..<index
        }
    }

    /// Each element of an array.
    mutating func elements(_ body: (Range<Int>) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if consume(UInt8(ascii: "]")) { return }
        repeat { try body(try value()) } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }
}
