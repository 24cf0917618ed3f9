/// A single-stream dump read once from end to end before anything is applied: it must decode
/// (gzip CRCs, zstd checksums), end with its completion trailer (`-- Dump completed`), and end
/// outside a statement. On the way it learns what `--list` prints, which databases and tables
/// the dump creates (for --database and the drops before loading), and the session settings
/// of its header, which every loading connection starts with.
struct DumpScan {
    struct Table {
        var database: SQLName?
        var name: SQLName
        var isSequence = false
        var created = false
        var dropped = false
        var rows: UInt64 = 0
        var bytes: UInt64 = 0
    }

    struct Object: Equatable {
        var kind: String
        var database: SQLName?
        var name: SQLName
    }

    /// Databases named by USE or CREATE DATABASE, in order.
    private(set) var databases: [SQLName] = []
    private(set) var tables: [Table] = []
    private var tableIndex: [TableReference: Int] = [:]
    private(set) var objects: [Object] = []
    /// The SET statements before the first other statement: the dump's session settings.
    private(set) var prelude: [Statement] = []
    /// Where the statements after the prelude start.
    private(set) var bodyOffset: UInt64 = 0
    private(set) var sqlBytes: UInt64 = 0
    private(set) var statements = 0
    private(set) var hasTrailer = false
    private(set) var sawSandboxLine = false
    private(set) var unterminatedTail: (offset: UInt64, preview: String)?
    /// A table statement came before any USE: the dump names no database for it.
    private(set) var tableWithoutDatabase = false

    /// Reads `source` through. Throws ``InputError`` if it does not decode.
    init(_ source: DumpSource, countRows: Bool) throws {
        let tail = TailKeepingReader(try source.makeReader())
        let splitter = StatementSplitter(reader: tail)
        var current: SQLName?
        var inPrelude = true
        while let statement = try splitter.next() {
            statements += 1
            let role = StatementClassifier.classify(statement.bytes)
            if inPrelude {
                if case .session = role {
                    prelude.append(statement)
                    continue
                }
                if role != .skip {
                    inPrelude = false
                    bodyOffset = statement.offset
                }
            }
            switch role {
            case .use(let database, _):
                current = database
                note(database)
            case .database(let name, _):
                note(name)
            case .table(let name, let action):
                let database = name.database ?? current
                if database == nil { tableWithoutDatabase = true }
                let key = TableReference(database: database, table: name.table)
                var table = tableIndex[key].map { tables[$0] } ?? Table(database: database, name: name.table)
                switch action {
                case .create:
                    table.created = true
                    table.isSequence = SQLTokens(statement.bytes, limit: 3).isKeyword(1, "SEQUENCE")
                case .drop:
                    table.dropped = true
                case .insert(let afterName):
                    table.bytes += UInt64(statement.bytes.count)
                    if countRows, let values = InsertValues(statement.bytes, afterName: afterName, hashing: false) { table.rows += values.rows }
                case .other:
                    break
                }
                if let index = tableIndex[key] {
                    tables[index] = table
                } else {
                    tableIndex[key] = tables.count
                    tables.append(table)
                }
            case .object:
                if let object = StatementClassifier.createdObject(statement.bytes) {
                    let entry = Object(kind: object.kind, database: object.name.database ?? current, name: object.name.table)
                    objects.removeAll { $0 == entry }
                    objects.append(entry)
                }
            default:
                break
            }
        }
        if inPrelude { bodyOffset = tail.total }
        sqlBytes = tail.total
        unterminatedTail = splitter.unterminatedTail
        sawSandboxLine = splitter.sawSandboxLine
        hasTrailer = tail.lastLine.hasPrefix("-- Dump completed")
    }

    private mutating func note(_ database: SQLName) {
        if !databases.contains(database) { databases.append(database) }
    }

    /// Why the dump must not be applied as it is (nil: complete).
    var incompleteness: String? {
        if let tail = unterminatedTail {
            return "the input ends inside a statement (at byte \(tail.offset): \(tail.preview.prefix(80))...): it was cut short"
        }
        if !hasTrailer {
            return "the input does not end with the dump's completion line (-- Dump completed): it may have been cut short (a dump made with --compact or --skip-comments has none)"
        }
        return nil
    }
}

/// Passes bytes through, keeping the last line that is not blank, and counting them all.
final class TailKeepingReader: ByteReader {
    private let reader: ByteReader
    private var tail: [UInt8] = []
    private(set) var total: UInt64 = 0

    init(_ reader: ByteReader) {
        self.reader = reader
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try reader.read(into: buffer)
        total += UInt64(count)
        if count > 0 {
            tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]).suffix(512))
            if tail.count > 1024 { tail.removeFirst(tail.count - 512) }
        }
        return count
    }

    /// The last line with something on it.
    var lastLine: String {
        let lines = tail.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return lines.last(where: { !$0.isEmpty }) ?? ""
    }
}
