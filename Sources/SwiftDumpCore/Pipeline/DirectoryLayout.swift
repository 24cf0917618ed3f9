import Foundation
import MariaDBClient

/// `--format=dir`: a directory with a file per table structure and per chunk of rows, each
/// compressed on its own, one file for the objects that follow the data, and `manifest.json`,
/// written last, as the commit marker: a directory without it is not a finished dump.
///
///     DIR/manifest.json             every file in load order: size, rows, XXH64; per table
///                                   its rows and row checksum; the snapshot; options; times
///     DIR/<db>/database.sql         CREATE DATABASE
///     DIR/<db>/<table>.schema.sql   DROP/CREATE TABLE (or the sequence)
///     DIR/<db>/<table>.00001.sql    INSERTs of one chunk (.sql.zst / .sql.gz compressed)
///     DIR/objects.sql               deferred foreign keys, triggers, views, routines, events
///
/// Names are percent-encoded (anything but letters, digits, `_`, `-`, `$`), so every dot in a
/// file name is ours. Every file starts with the session settings it needs.
final class DirectoryLayout: DumpLayout, @unchecked Sendable {
    // @unchecked Sendable: readers call read(_:on:), which touches only `records` (under
    // `lock`) and `progress`; everything else runs on the dumper's thread.

    struct ChunkFile: Sendable {
        let path: String
        let order: Int
        let table: TableID
        let statementStart: [UInt8]
        let netBufferLength: Int
    }

    struct FileRecord: Codable {
        var order: Int
        var path: String
        var kind: String
        var database: SQLName?
        var table: SQLName?
        var bytes: UInt64
        var sqlBytes: UInt64
        var rows: UInt64
        /// XXH64 of the file's bytes as stored (compressed, if it is), as `xxhsum -H64` prints it.
        var xxh64: String
        var rowChecksum: UInt64?

        /// A file just opened: the sizes and checksums are filled in when it is closed.
        init(order: Int, path: String, kind: String, database: SQLName?, table: SQLName?) {
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

    private let root: String
    private let permissions: OutputStream.Permissions
    /// The directories this dump made (the root too, unless it was there already).
    private var directories: [String] = []
    private let compression: CompressionFormat?
    private let sessionHeader: [UInt8]
    private let progress: DumpProgress
    private let lock = NSLock()
    private var records: [FileRecord] = []
    private var order = 0
    private var current: (stream: OutputStream, record: FileRecord)?
    private var objects: (stream: OutputStream, record: FileRecord)?
    private var objectsDatabase: SQLName?
    private var chunkCounts: [TableID: Int] = [:]
    /// Chunks still to be written, per table (under `lock`), for the progress line.
    private var chunksLeft: [TableID: Int] = [:]

    var isSingleStream: Bool { false }

    init(root: String, compression: CompressionFormat?, sessionHeader: SQLText, progress: DumpProgress,
         permissions: OutputStream.Permissions = OutputStream.Permissions()) throws {
        self.root = root
        self.permissions = permissions
        self.compression = compression
        self.sessionHeader = sessionHeader.bytes
        self.progress = progress
        var status = stat()
        if stat(root, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else { throw DumpError.usage("\(root) exists and is not a directory") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            guard entries.isEmpty else { throw DumpError.usage("\(root) is not empty: a directory dump needs a new or empty directory") }
        } else {
            try makeDirectory(root)
        }
    }

    private func makeDirectory(_ path: String) throws {
        var failure: Int32 = 0
        let made = PartialOutputs.shared.create(.directory(path)) {
            if mkdir(path, permissions.directory) == 0 { return true }
            failure = errno
            return false
        }
        if made {
            lock.lock()
            directories.append(path)
            lock.unlock()
        } else if failure != EEXIST {
            throw OutputError(path: path, errorNumber: failure == 0 ? EINTR : failure, action: "create directory")
        }
    }

    /// A file name part for a database or table name.
    static func encode(_ name: SQLName) -> String {
        var encoded = ""
        for byte in name.bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "$"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded.append("%" + Hexadecimal.encode([byte]))
            }
        }
        return encoded
    }

    private var suffix: String { compression.map { ".sql.\($0.fileExtension)" } ?? ".sql" }

    /// A file of the dump, with the session header written: partial output until the manifest
    /// is written, removed if the dump fails or is interrupted.
    private func makeFile(_ relative: String) throws -> OutputStream {
        let stream = try OutputStream(path: root + "/" + relative, compression: compression, compressionThreads: 0, checksum: true,
                                      syncsOnCommit: false, permissions: permissions)
        stream.registersFinalName = true
        try stream.write(sessionHeader)
        return stream
    }

    private func nextOrder() -> Int {
        lock.lock()
        defer { lock.unlock() }
        order += 1
        return order
    }

    /// Opens a file of the dump and writes the session header.
    private func open(_ relative: String, kind: String, database: SQLName?, table: SQLName?) throws -> (stream: OutputStream, record: FileRecord) {
        if let database { try makeDirectory(root + "/" + Self.encode(database)) }
        let stream = try makeFile(relative)
        return (stream, FileRecord(order: nextOrder(), path: relative, kind: kind, database: database, table: table))
    }

    private func close(_ file: (stream: OutputStream, record: FileRecord), rows: UInt64 = 0, rowChecksum: UInt64? = nil) throws {
        try file.stream.commit()
        var record = file.record
        record.bytes = file.stream.bytesOut
        record.sqlBytes = file.stream.bytesIn
        record.rows = rows
        record.xxh64 = XXHash64.hex(file.stream.checksum)
        record.rowChecksum = rowChecksum
        lock.lock()
        records.append(record)
        lock.unlock()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let current {
            try current.stream.write(bytes)
        } else if let objects {
            try objects.stream.write(bytes)
        }
    }

    func enter(_ section: DumpSection) throws {
        if let open = current {
            current = nil
            try close(open)
        }
        switch section {
        case .stream:
            break
        case .database(let database):
            current = try open("\(Self.encode(database))/database\(suffix)", kind: "database", database: database, table: nil)
        case .structure(let table):
            current = try open("\(Self.encode(table.database))/\(Self.encode(table.table)).schema\(suffix)", kind: "schema",
                               database: table.database, table: table.table)
        case .objects(let database):
            if objects == nil { objects = try open("objects\(suffix)", kind: "objects", database: nil, table: nil) }
            if let database, database != objectsDatabase {
                try objects?.stream.write("USE \(identifier: database);\n" as SQLText)
                objectsDatabase = database
            }
        }
    }

    func addRows(_ rows: TableRows, reading: ChunkReading) throws {
        let key = rows.table
        lock.lock()
        chunksLeft[key, default: 0] += rows.queries.count
        lock.unlock()
        for query in rows.queries {
            let number = (chunkCounts[key] ?? 0) + 1
            chunkCounts[key] = number
            let name = String(format: "%05d", number)
            let file = ChunkFile(path: "\(Self.encode(rows.table.database))/\(Self.encode(rows.table.table)).\(name)\(suffix)", order: nextOrder(),
                                 table: rows.table, statementStart: rows.statementStart, netBufferLength: rows.netBufferLength)
            let job = ChunkJob(table: rows.table, query: query, extended: rows.extended, hexBlob: rows.hexBlob, destination: .file(file),
                               estimatedBytes: rows.estimatedBytes / UInt64(rows.queries.count))
            try dispatch(job, reading: reading)
        }
    }

    func read(_ job: ChunkJob, on connection: Connection) throws {
        guard case .file(let file) = job.destination else { return }
        progress.startReading(job.table)
        var completed = false
        defer { progress.stopReading(job.table, completed: completed) }
        let stream = try makeFile(file.path)
        var joiner = InsertJoiner(statementStart: file.statementStart, extended: job.extended, netBufferLength: file.netBufferLength)
        var rowChecksum: UInt64 = 0
        let progress = self.progress
        try withoutActuallyEscaping({ (batch: RowBatch) throws -> Void in
            rowChecksum &+= batch.rowChecksum
            progress.add(rows: batch.rowCount, bytes: batch.bytes.count)
            try joiner.join(batch, to: stream)
        }) { deliver in
            var formatter = RowFormatter(extended: job.extended, hexBlob: job.hexBlob, checksums: true, deliver: deliver)
            try connection.stream(job.query, into: &formatter)
            try formatter.flush()
        }
        try joiner.finish(to: stream)
        let record = FileRecord(order: file.order, path: file.path, kind: "data", database: file.table.database, table: file.table.table)
        try close((stream, record), rows: joiner.rowCount, rowChecksum: rowChecksum)
        completed = true
        let key = file.table
        lock.lock()
        chunksLeft[key, default: 1] -= 1
        let tableDone = chunksLeft[key] == 0
        lock.unlock()
        if tableDone { progress.tableDone() }
    }

    /// Each chunk writes its own file: a failed reader leaves nobody waiting.
    func readerFailed(_ error: any Error) {}

    /// The manifest, in full.
    struct Manifest: Codable {
        struct Table: Codable {
            var database: SQLName
            var table: SQLName
            var rows: UInt64
            var rowChecksum: UInt64
        }
        var format = "swiftdump-dir-2"
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
        var tables: [Table]
    }

    /// Closes the open files and writes the manifest, last, under a temporary name renamed
    /// into place once synced: from then on the directory is a complete dump.
    func finish(_ manifest: (inout Manifest) -> Void) throws {
        if let open = current {
            current = nil
            try close(open)
        }
        if let open = objects {
            objects = nil
            try close(open)
        }
        let files = records.sorted { $0.order < $1.order }
        // Every file and directory on disk before the manifest says the dump is complete. The
        // files' write-back started as each was closed, so this mostly waits for the last ones.
        for file in files { try OutputStream.syncFile(root + "/" + file.path) }
        for database in Set(files.compactMap(\.database)) { try OutputStream.syncFile(root + "/" + Self.encode(database)) }
        try OutputStream.syncFile(root)
        var tables: [TableID: Manifest.Table] = [:]
        for file in files where file.kind == "data" {
            let key = TableID(database: file.database ?? "", table: file.table ?? "")
            var table = tables[key] ?? Manifest.Table(database: file.database ?? "", table: file.table ?? "", rows: 0, rowChecksum: 0)
            table.rows += file.rows
            table.rowChecksum &+= file.rowChecksum ?? 0
            tables[key] = table
        }
        var content = Manifest(tool: SwiftDumpVersion.line(program: "swiftdump"), serverVersion: "", startedAt: "", finishedAt: "",
                               settings: nil, compression: compression?.name ?? "none", snapshot: nil, notCoveredBySnapshot: [],
                               files: files, tables: tables.values.sorted { ($0.database, $0.table) < ($1.database, $1.table) })
        manifest(&content)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(content)
        let stream = try OutputStream(path: root + "/manifest.json", permissions: permissions)
        try stream.write(Array(data) + [UInt8(ascii: "\n")])
        try stream.commit()
        try OutputStream.syncFile(root)
        // From here on the directory is a complete dump.
        for file in files { PartialOutputs.shared.completed(.file(root + "/" + file.path)) }
        for directory in directories { PartialOutputs.shared.completed(.directory(directory)) }
    }

    /// Removes what a failed dump wrote: its files, then the directories it made.
    func abandon() {
        if let open = current { open.stream.abandon() }
        if let open = objects { open.stream.abandon() }
        current = nil
        objects = nil
        lock.lock()
        let written = records.map { root + "/" + $0.path }
        let made = directories
        lock.unlock()
        for path in written {
            unlink(path)
            PartialOutputs.shared.completed(.file(path))
        }
        for directory in made.reversed() {
            rmdir(directory)
            PartialOutputs.shared.completed(.directory(directory))
        }
    }
}
