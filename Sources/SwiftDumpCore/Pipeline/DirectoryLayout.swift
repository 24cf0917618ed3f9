import Foundation
import MariaDBClient
import Synchronization

/// `--format=dir`: a directory with a file per table structure and per chunk of rows, each
/// compressed on its own, one file for the objects that follow the data, and `manifest.json`,
/// written last, as the commit marker: a directory without it is not a finished dump.
///
///     DIR/manifest.json             every file in load order: size, rows, XXH64; per table
///                                   its rows and row checksum; the snapshot; settings; times
///     DIR/<db>/database.sql         CREATE DATABASE
///     DIR/<db>/<table>.schema.sql   DROP/CREATE TABLE (or the sequence)
///     DIR/<db>/<table>.00001.sql    INSERTs of one chunk (.sql.zst / .sql.gz compressed)
///     DIR/objects.sql               deferred foreign keys, triggers, views, routines, events
///
/// The names and the manifest are the directory format's (``FileNames``, ``Manifest``), which
/// the restore reads; the files go to a ``DumpDestination``. Every file starts with the session
/// settings it needs.
final class DirectoryLayout: DumpLayout, @unchecked Sendable {
    // @unchecked Sendable: readers call read(_:on:), which touches only `shared` (a Mutex) and
    // `progress` (thread-safe); `current`, `objects` and the chunk numbering belong to the
    // dumper's thread, which alone calls write, enter, addRows, finish and abandon.

    struct ChunkFile: Sendable {
        let path: String
        let order: Int
        let table: TableID
        let statementStart: [UInt8]
        let netBufferLength: Int
    }

    private struct OpenFile {
        let stream: OutputStream
        let record: Manifest.FileRecord
    }

    /// What readers and the dumper's thread both touch.
    private struct Shared {
        var records: [Manifest.FileRecord] = []
        var order = 0
        /// Chunks still to be written, per table, for the progress line.
        var chunksLeft: [TableID: Int] = [:]
    }

    private let destination: any DumpDestination
    private let compression: CompressionFormat?
    private let suffix: String
    private let sessionHeader: [UInt8]
    private let progress: DumpProgress
    private let shared = Mutex(Shared())
    private var current: OpenFile?
    private var objects: OpenFile?
    private var objectsDatabase: SQLName?

    var isSingleStream: Bool { false }

    init(destination: any DumpDestination, compression: CompressionFormat?, sessionHeader: SQLText, progress: DumpProgress) {
        self.destination = destination
        self.compression = compression
        suffix = FileNames.suffix(compression)
        self.sessionHeader = sessionHeader.bytes
        self.progress = progress
    }

    /// A file of the dump, with the session header written: partial output until the manifest
    /// is written, removed if the dump fails or is interrupted.
    private func makeFile(_ relative: String) throws -> OutputStream {
        let stream = try OutputStream(target: destination.create(relative), compression: compression, compressionThreads: 0,
                                      checksum: true, durable: false)
        try stream.write(sessionHeader)
        return stream
    }

    private func nextOrder() -> Int {
        shared.withLock { state in
            state.order += 1
            return state.order
        }
    }

    private func open(_ relative: String, kind: Manifest.FileKind, database: SQLName?, table: SQLName?) throws -> OpenFile {
        OpenFile(stream: try makeFile(relative),
                 record: Manifest.FileRecord(order: nextOrder(), path: relative, kind: kind, database: database, table: table))
    }

    private func close(_ file: OpenFile, rows: UInt64 = 0, rowChecksum: UInt64? = nil) throws {
        try file.stream.commit()
        var record = file.record
        record.bytes = file.stream.bytesOut
        record.sqlBytes = file.stream.bytesIn
        record.rows = rows
        record.xxh64 = XXHash64.hex(file.stream.checksum)
        record.rowChecksum = rowChecksum
        shared.withLock { $0.records.append(record) }
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
            current = try open(FileNames.database(database, suffix: suffix), kind: .database, database: database, table: nil)
        case .structure(let table):
            current = try open(FileNames.schema(table, suffix: suffix), kind: .schema, database: table.database, table: table.table)
        case .objects(let database):
            if objects == nil { objects = try open(FileNames.objects(suffix: suffix), kind: .objects, database: nil, table: nil) }
            if let database, database != objectsDatabase {
                try objects?.stream.write("USE \(identifier: database);\n" as SQLText)
                objectsDatabase = database
            }
        }
    }

    func addRows(_ rows: TableRows, reading: ChunkReading) throws {
        let key = rows.table
        shared.withLock { $0.chunksLeft[key, default: 0] += rows.queries.count }
        // A table's rows come in one call: its chunks are numbered here, one after another.
        for (index, query) in rows.queries.enumerated() {
            let number = index + 1
            let file = ChunkFile(path: FileNames.chunk(rows.table, number: number, suffix: suffix), order: nextOrder(),
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
        let record = Manifest.FileRecord(order: file.order, path: file.path, kind: .data, database: file.table.database, table: file.table.table)
        try close(OpenFile(stream: stream, record: record), rows: joiner.rowCount, rowChecksum: rowChecksum)
        completed = true
        let tableDone = shared.withLock { state in
            state.chunksLeft[file.table, default: 1] -= 1
            guard state.chunksLeft[file.table] == 0 else { return false }
            state.chunksLeft[file.table] = nil
            return true
        }
        if tableDone { progress.tableDone() }
    }

    /// Each chunk writes its own file: a failed reader leaves nobody waiting.
    func readerFailed(_ error: any Error) {}

    /// Closes the open files and writes the manifest, last, once every file is on stable
    /// storage: from then on the directory is a complete dump.
    func finish(_ manifest: (inout Manifest) -> Void) throws {
        if let open = current {
            current = nil
            try close(open)
        }
        if let open = objects {
            objects = nil
            try close(open)
        }
        // Sorted, and later read, in place: at 100,000 tables the records are 200,000, and
        // every copy of them counted in the peak.
        let paths = shared.withLock { state in
            state.records.sort { $0.order < $1.order }
            return state.records.map(\.path)
        }
        // Every file and directory on disk before the manifest says the dump is complete. The
        // files' write-back started as each was closed, so this mostly waits for the last ones.
        let versions = try destination.makeDurable(paths)
        let files = shared.withLock { state in
            if !versions.isEmpty {
                for index in state.records.indices { state.records[index].storedVersion = versions[state.records[index].path] }
            }
            return state.records
        }
        // Per table, its files' rows and checksums: each data file's, sorted by table, summed.
        var perFile = files.filter { $0.kind == .data }.map {
            Manifest.TableRecord(database: $0.database ?? "", table: $0.table ?? "", rows: $0.rows, rowChecksum: $0.rowChecksum ?? 0)
        }
        perFile.sort { ($0.database, $0.table) < ($1.database, $1.table) }
        var tables: [Manifest.TableRecord] = []
        for file in perFile {
            guard let last = tables.last, last.database == file.database, last.table == file.table else {
                tables.append(file)
                continue
            }
            tables[tables.count - 1].rows += file.rows
            tables[tables.count - 1].rowChecksum &+= file.rowChecksum
        }
        var content = Manifest(tool: SwiftDumpVersion.line(program: "swiftdump"), serverVersion: "", startedAt: "", finishedAt: "",
                               settings: nil, compression: compression?.name ?? "none", snapshot: nil, notCoveredBySnapshot: [],
                               files: files, tables: tables)
        manifest(&content)
        let stream = try OutputStream(target: destination.create(Manifest.fileName))
        try content.write(to: stream)
        try stream.commit()
        _ = try destination.makeDurable([Manifest.fileName])
        // From here on the directory is a complete dump.
        destination.complete(files.map(\.path) + [Manifest.fileName])
    }

    /// Removes what a failed dump wrote: its files, then the directories it made.
    func abandon() {
        current?.stream.abandon()
        objects?.stream.abandon()
        current = nil
        objects = nil
        destination.remove(shared.withLock { $0.records }.map(\.path))
    }
}
