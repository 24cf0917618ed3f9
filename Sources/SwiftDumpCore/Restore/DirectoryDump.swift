import Foundation
import MariaDBClient

/// A directory written by `swiftdump --format=dir`, checked before anything is applied: the
/// manifest must be there (it is written last: without it the dump did not finish) and every
/// file it lists must have its recorded size and XXH64.
struct DirectoryDump {
    struct File: Sendable {
        enum Kind: String, Sendable {
            case database, schema, data, objects
        }

        let path: String
        let relativePath: String
        let kind: Kind
        let database: SQLName?
        let table: SQLName?
        let bytes: UInt64
        let sqlBytes: UInt64
        let rows: UInt64
    }

    let root: String
    let files: [File]
    let manifest: DirectoryLayout.Manifest?
    /// Problems found that --force was told to accept (a missing manifest).
    let acceptedProblems: [String]
    /// Identifies the dump in the journal: the manifest's own hash.
    let identity: String

    /// Reads and checks the directory. Throws ``InputError`` for anything that does not match,
    /// unless `force` (then the problem is listed in ``acceptedProblems``).
    init(root: String, force: Bool) throws {
        self.root = root
        let manifestPath = root + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            guard force else {
                throw InputError("\(root) has no manifest.json: the dump did not finish (swiftdump writes the manifest last). Nothing was applied; --force loads the files found anyway")
            }
            manifest = nil
            files = try Self.filesWithoutManifest(root)
            acceptedProblems = ["\(root) has no manifest.json: loaded the \(files.count) files found, by name, without checking them"]
            identity = "no-manifest"
            return
        }
        let decoded: DirectoryLayout.Manifest
        do {
            decoded = try JSONDecoder().decode(DirectoryLayout.Manifest.self, from: data)
        } catch {
            throw InputError("\(manifestPath) is not a swiftdump manifest: \(error)")
        }
        guard decoded.format == "swiftdump-dir-2" else { throw InputError("\(manifestPath): unknown format \(decoded.format) (this swiftrestore reads swiftdump-dir-2)") }
        manifest = decoded
        identity = data.withUnsafeBytes { XXHash64.hex(XXHash64.hash($0)) }
        var files: [File] = []
        var problems: [String] = []
        for record in decoded.files.sorted(by: { $0.order < $1.order }) {
            guard let kind = File.Kind(rawValue: record.kind) else { throw InputError("\(manifestPath): unknown file kind \(record.kind)") }
            let path = root + "/" + record.path
            let file = File(path: path, relativePath: record.path, kind: kind, database: record.database, table: record.table,
                            bytes: record.bytes, sqlBytes: record.sqlBytes, rows: record.rows)
            if let problem = Self.check(file, xxh64: record.xxh64) { problems.append(problem) }
            files.append(file)
        }
        if !problems.isEmpty {
            guard force else {
                throw InputError("the directory dump does not match its manifest; nothing was applied:\n  " + problems.prefix(20).joined(separator: "\n  ")
                                 + (problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : ""))
            }
        }
        self.files = files
        acceptedProblems = problems
    }

    /// nil if `file` is on disk with the size and hash the manifest records.
    private static func check(_ file: File, xxh64: String) -> String? {
        var status = stat()
        guard stat(file.path, &status) == 0 else { return "\(file.relativePath): missing" }
        guard UInt64(status.st_size) == file.bytes else { return "\(file.relativePath): \(status.st_size) bytes, the manifest says \(file.bytes)" }
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "\(file.relativePath): cannot be read (\(String(cString: strerror(errno))))" }
        defer { close(descriptor) }
        var hasher = XXHash64()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return "\(file.relativePath): cannot be read (\(String(cString: strerror(errno))))" }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        let actual = XXHash64.hex(hasher.value)
        return actual == xxh64 ? nil : "\(file.relativePath): XXH64 \(actual), the manifest says \(xxh64) (the file changed or is damaged)"
    }

    /// --force without a manifest: the files by their names, in the order a dump writes them
    /// (databases, structures, rows, objects).
    private static func filesWithoutManifest(_ root: String) throws -> [File] {
        guard let entries = FileManager.default.enumerator(atPath: root) else { throw InputError("\(root) cannot be read") }
        var found: [File] = []
        for case let relative as String in entries {
            let parts = relative.split(separator: "/").map(String.init)
            let name = parts.last ?? ""
            guard name.hasSuffix(".sql") || name.hasSuffix(".sql.zst") || name.hasSuffix(".sql.gz") else { continue }
            let database = parts.count == 2 ? Self.decode(parts[0]) : nil
            let stem = name.components(separatedBy: ".sql").first ?? name
            let kind: File.Kind
            var table: SQLName?
            if parts.count == 1 {
                kind = .objects
            } else if stem == "database" {
                kind = .database
            } else if stem.hasSuffix(".schema") {
                kind = .schema
                table = Self.decode(String(stem.dropLast(".schema".count)))
            } else if let dot = stem.lastIndex(of: ".") {
                kind = .data
                table = Self.decode(String(stem[..<dot]))
            } else {
                continue
            }
            var status = stat()
            stat(root + "/" + relative, &status)
            found.append(File(path: root + "/" + relative, relativePath: relative, kind: kind, database: database, table: table,
                              bytes: UInt64(status.st_size), sqlBytes: UInt64(status.st_size), rows: 0))
        }
        let rank: [File.Kind: Int] = [.database: 0, .schema: 1, .data: 2, .objects: 3]
        return found.sorted { (rank[$0.kind]!, $0.relativePath) < (rank[$1.kind]!, $1.relativePath) }
    }

    /// The inverse of ``DirectoryLayout/encode(_:)``.
    static func decode(_ encoded: String) -> SQLName {
        var bytes: [UInt8] = []
        var index = encoded.utf8.startIndex
        let utf8 = encoded.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
               let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return SQLName(bytes: bytes)
    }

    /// The databases the dump holds.
    var databases: [SQLName] {
        var seen: [SQLName] = []
        for file in files { if let database = file.database, !seen.contains(database) { seen.append(database) } }
        return seen
    }
}

/// The record of a directory restore's progress, kept in the target server
/// (`swiftrestore.journal`) and written in the same transaction as each file's rows, so that
/// after any interruption it says exactly which files are in: `--resume` skips those.
struct RestoreJournal: Sendable {
    static let table = TableID(database: "swiftrestore", table: "journal")
    /// The dump (its manifest's hash) and where it goes (--database).
    let dump: String

    init(dumpIdentity: String, target: SQLName?) {
        let key = Array(dumpIdentity.utf8) + [0] + (target?.bytes ?? [])
        dump = key.withUnsafeBytes { XXHash64.hex(XXHash64.hash($0)) }
    }

    /// Creates the journal if needed; without `resume`, forgets this dump's earlier progress.
    /// Returns the parts already done.
    func prepare(on connection: Connection, resume: Bool) throws -> Set<String> {
        try connection.execute("CREATE DATABASE IF NOT EXISTS \(identifier: Self.table.database)" as SQLText)
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS \(qualified: Self.table) (
              dump CHAR(16) NOT NULL, part VARCHAR(700) NOT NULL, finished DATETIME(3) NOT NULL,
              PRIMARY KEY (dump, part)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='swiftrestore: parts of a directory restore that are committed'
            """ as SQLText)
        if !resume {
            try connection.execute("DELETE FROM \(qualified: Self.table) WHERE dump = \(literal: dump)" as SQLText)
            try connection.execute("COMMIT")
            return []
        }
        var done: Set<String> = []
        for row in try connection.query("SELECT part FROM \(qualified: Self.table) WHERE dump = \(literal: dump)" as SQLText).rows {
            if let part = row.string(0) { done.insert(part) }
        }
        return done
    }

    /// Records `part` as done, in the caller's transaction (committed with its rows).
    func record(_ part: String, on connection: Connection) throws {
        try connection.execute("INSERT INTO \(qualified: Self.table) VALUES (\(literal: dump), \(literal: part), NOW(3))" as SQLText)
    }

    /// The restore finished: its progress is no longer needed.
    func clear(on connection: Connection) throws {
        try connection.execute("DELETE FROM \(qualified: Self.table) WHERE dump = \(literal: dump)" as SQLText)
        try connection.execute("COMMIT")
    }
}
