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
