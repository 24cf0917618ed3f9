import Foundation
import MariaDBClient

/// A directory written by `swiftdump --format=dir`, checked before anything is applied: the
/// manifest must be there (it is written last: without it the dump did not finish) and every
/// file it lists must have its recorded size and XXH64.
struct DirectoryDump: Sendable {
    struct File: Sendable {
        let location: any DumpLocation
        let relativePath: String
        let kind: Manifest.FileKind
        let database: SQLName?
        let table: SQLName?
        let bytes: UInt64
        let sqlBytes: UInt64
        let rows: UInt64

        /// The file's SQL, for a reading.
        func open() throws -> DumpSource {
            guard let source = try location.file(relativePath) else { throw InputError("\(location.name)/\(relativePath): missing") }
            return try DumpSource(source)
        }
    }

    let location: any DumpLocation
    let files: [File]
    /// The manifest read, its `files` emptied: ``files`` holds them, checked.
    let manifest: Manifest?
    /// Problems found that --force was told to accept (a missing manifest).
    let acceptedProblems: [String]
    /// Identifies the dump in the journal: the manifest's own hash.
    let identity: String

    var root: String { location.name }

    /// Reads and checks the directory. Throws ``InputError`` for anything that does not match,
    /// unless `force` (then the problem is listed in ``acceptedProblems``).
    init(location: any DumpLocation, force: Bool) throws {
        self.location = location
        let root = location.name
        let manifestPath = root + "/" + Manifest.fileName
        guard let data = try location.contents(of: Manifest.fileName) else {
            guard force else {
                throw InputError("\(root) has no manifest.json: the dump did not finish (swiftdump writes the manifest last). Nothing was applied; --force loads the files found anyway")
            }
            manifest = nil
            files = try Self.filesWithoutManifest(location)
            acceptedProblems = ["\(root) has no manifest.json: loaded the \(files.count) files found, by name, without checking them"]
            identity = "no-manifest"
            return
        }
        var decoded: Manifest
        do {
            decoded = try Manifest.read(data)
        } catch {
            throw InputError("\(manifestPath) is not a swiftdump manifest of format \(Manifest.currentFormat): \(error)")
        }
        guard decoded.format == Manifest.currentFormat else {
            throw InputError("\(manifestPath): unknown format \(decoded.format) (this swiftrestore reads \(Manifest.currentFormat))")
        }
        identity = data.withUnsafeBytes { XXHash64.hex(XXHash64.hash($0)) }
        var files: [File] = []
        files.reserveCapacity(decoded.files.count)
        var problems: [String] = []
        decoded.files.sort { $0.order < $1.order }
        for record in decoded.files {
            let file = File(location: location, relativePath: record.path, kind: record.kind, database: record.database, table: record.table,
                            bytes: record.bytes, sqlBytes: record.sqlBytes, rows: record.rows)
            if let problem = Self.check(file, record) { problems.append(problem) }
            files.append(file)
        }
        // `files` carries them from here: the records would double what 100,000 tables hold.
        decoded.files = []
        manifest = decoded
        if !problems.isEmpty {
            guard force else {
                throw InputError("the directory dump does not match its manifest; nothing was applied:\n  " + problems.prefix(20).joined(separator: "\n  ")
                                 + (problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : ""))
            }
        }
        self.files = files
        acceptedProblems = problems
    }

    /// A local directory.
    init(root: String, force: Bool) throws {
        try self.init(location: LocalDirectory(root: root), force: force)
    }

    /// nil if `file` is there with the size and hash the manifest records. A file whose store
    /// reports the version the manifest recorded (an object's ETag: the store's own checksum
    /// of the bytes) is that file: it is not read.
    private static func check(_ file: File, _ record: Manifest.FileRecord) -> String? {
        let xxh64 = record.xxh64
        do {
            guard let source = try file.location.file(file.relativePath) else { return "\(file.relativePath): missing" }
            guard source.size == file.bytes else { return "\(file.relativePath): \(source.size) bytes, the manifest says \(file.bytes)" }
            if let recorded = record.storedVersion, let version = source.version {
                return version == recorded ? nil : "\(file.relativePath): version \(version) in the store, the manifest says \(recorded) (the object was replaced)"
            }
            let reader = try source.makeReader()
            var hasher = XXHash64()
            var buffer = [UInt8](readBuffer: 1 << 20)
            while true {
                let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
                if count == 0 { break }
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            }
            let actual = XXHash64.hex(hasher.value)
            return actual == xxh64 ? nil : "\(file.relativePath): XXH64 \(actual), the manifest says \(xxh64) (the file changed or is damaged)"
        } catch {
            return "\(file.relativePath): cannot be read (\(error))"
        }
    }

    /// --force without a manifest: the files by their names, in the order a dump writes them
    /// (databases, structures, rows, objects).
    private static func filesWithoutManifest(_ location: any DumpLocation) throws -> [File] {
        var found: [File] = []
        for relative in try location.allFiles() {
            guard let (kind, database, table) = FileNames.parse(relative), let source = try location.file(relative) else { continue }
            found.append(File(location: location, relativePath: relative, kind: kind, database: database, table: table,
                              bytes: source.size, sqlBytes: source.size, rows: 0))
        }
        return found.sorted { ($0.kind.loadRank, $0.relativePath) < ($1.kind.loadRank, $1.relativePath) }
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
        }
        // The restore's own row (part ''), there until it finishes: a file's entry never goes
        // into an empty journal, which InnoDB would load in bulk (the loading sessions have
        // unique checks off), locking the whole table for the other connections.
        try connection.execute("INSERT IGNORE INTO \(qualified: Self.table) VALUES (\(literal: dump), '', NOW(3))" as SQLText)
        try connection.execute("COMMIT")
        var done: Set<String> = []
        guard resume else { return done }
        for row in try connection.query("SELECT part FROM \(qualified: Self.table) WHERE dump = \(literal: dump) AND part <> ''" as SQLText).rows {
            if let part = row.string(0) { done.insert(part) }
        }
        return done
    }

    /// Records `parts` as done, in the caller's transaction (committed with its rows).
    func record(_ parts: [String], on connection: Connection) throws {
        guard !parts.isEmpty else { return }
        let rows = parts.map { "(\(literal: dump), \(literal: $0), NOW(3))" as SQLText }
        try connection.execute("INSERT INTO \(qualified: Self.table) VALUES \(sql: SQLText.joined(rows, separator: ", "))" as SQLText)
    }

    /// The restore finished: its progress is no longer needed.
    func clear(on connection: Connection) throws {
        try connection.execute("DELETE FROM \(qualified: Self.table) WHERE dump = \(literal: dump)" as SQLText)
        try connection.execute("COMMIT")
    }
}
