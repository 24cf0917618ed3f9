import MariaDBClient

/// What a restore needs to know and do while it loads, handed to the input.
struct LoadContext {
    let options: RestoreOptions
    let map: DatabaseMap
    let rules: TableStatementRules
    let scheduler: RestoreScheduler
    /// Parts a resumed directory restore has already.
    let done: Set<String>
}

/// What a restore reads — a single-stream dump (a file or standard input, plain or
/// compressed, swiftdump's or mysqldump's) or a swiftdump directory — behind one interface,
/// checked whole when it is made: the restore itself never asks which kind it has.
protocol RestoreInput {
    /// Problems --force accepted.
    var acceptedProblems: [String] { get }
    /// The databases the dump holds, in order.
    var databases: [SQLName] { get }
    /// A table statement comes before any USE: the dump names no database (--database needed).
    var namesNoDatabase: Bool { get }
    var sqlBytes: UInt64 { get }
    /// Tables the dump creates (sequences not counted), for the summary.
    var tableCount: Int { get }
    /// What `--list` prints.
    func listing() -> String
    /// The tables the dump creates, each with whether the dump drops it first itself.
    func createdTables(map: DatabaseMap) throws -> [(table: TableID, dropsFirst: Bool)]
    /// Bytes of rows (INSERT statements) per table, for index deferral.
    func rowBytes(map: DatabaseMap) -> [TableID: UInt64]
    /// Databases the dump fills without creating them.
    func databasesNotCreated(map: DatabaseMap) -> [SQLName]
    /// The dump's own session settings (character set, time zone, sql_mode).
    func sessionSettings() throws -> [[UInt8]]
    /// The journal of a resumable restore of this input, if it is one.
    func journal(target: SQLName?) -> RestoreJournal?
    /// The checksums --verify compares: from a manifest before loading, or nil when the
    /// rows' statements carry them (collected while loading).
    func expectations(map: DatabaseMap) throws -> RowExpectations?
    /// Work known before the workers start, so the biggest tables go first.
    var knowsAllWorkFirst: Bool { get }
    /// Queues the work for the scheduler (before the workers start if ``knowsAllWorkFirst``,
    /// else while they run), and ends with ``RestoreScheduler/finishFeeding()``.
    func queue(_ context: LoadContext) throws
    /// The line of a failed statement in its source.
    func line(of failure: StatementFailure) throws -> Int
    /// What to report when the load stopped with `error`.
    func stopped(by error: any Error, context: LoadContext) -> any Error
}

/// Counts the lines up to `offset` of `source`'s SQL.
func lineNumber(at offset: UInt64, in source: DumpSource) throws -> Int {
    let reader = try source.makeReader()
    var buffer = [UInt8](readBuffer: 1 << 20)
    var seen: UInt64 = 0
    var lines = 1
    while seen < offset {
        let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
        if count == 0 { break }
        let used = Int(min(UInt64(count), offset - seen))
        lines += buffer[..<used].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        seen += UInt64(count)
    }
    return lines
}

/// A single-stream dump, read once to its end before anything is applied (``DumpScan``) and
/// fed statement by statement while the workers load.
struct StreamInput: RestoreInput {
    let source: DumpSource
    let scan: DumpScan
    let acceptedProblems: [String]

    /// Checks `source` whole; a dump that is not complete is refused unless `force`.
    init(_ source: DumpSource, force: Bool, countRows: Bool) throws {
        self.source = source
        scan = try DumpScan(source, countRows: countRows)
        var problems: [String] = []
        if let problem = scan.incompleteness {
            guard force else { throw InputError("\(source.name): \(problem). Nothing was applied; --force applies it anyway") }
            problems.append("\(source.name): \(problem)")
        }
        acceptedProblems = problems
    }

    var databases: [SQLName] { scan.databases }
    var namesNoDatabase: Bool { scan.tableWithoutDatabase }
    var sqlBytes: UInt64 { scan.sqlBytes }
    var tableCount: Int { scan.tables.filter { $0.created && !$0.isSequence }.count }
    var knowsAllWorkFirst: Bool { false }

    func listing() -> String { DumpListing.stream(scan, source: source) }

    func createdTables(map: DatabaseMap) throws -> [(table: TableID, dropsFirst: Bool)] {
        scan.tables.filter(\.created).compactMap { table in
            guard let database = table.database.map({ map.map($0) }) ?? map.target else { return nil }
            return (TableID(database: database, table: table.name), table.dropped)
        }
    }

    func rowBytes(map: DatabaseMap) -> [TableID: UInt64] {
        var bytes: [TableID: UInt64] = [:]
        for table in scan.tables {
            guard let database = table.database.map({ map.map($0) }) ?? map.target else { continue }
            bytes[TableID(database: database, table: table.name), default: 0] += table.bytes
        }
        return bytes
    }

    func databasesNotCreated(map: DatabaseMap) -> [SQLName] {
        if map.source == nil, let target = map.target, scan.tableWithoutDatabase { return [target] }
        return []
    }

    func sessionSettings() throws -> [[UInt8]] { scan.prelude.map(\.bytes) }

    func journal(target: SQLName?) -> RestoreJournal? { nil }

    func expectations(map: DatabaseMap) throws -> RowExpectations? { nil }

    func queue(_ context: LoadContext) throws {
        defer { context.scheduler.finishFeeding() }
        let feeder = StreamFeeder(scheduler: context.scheduler, map: context.map, rules: context.rules, source: source.name)
        try feeder.feed(StatementSplitter(reader: try source.makeReader()), bodyOffset: scan.bodyOffset)
    }

    func line(of failure: StatementFailure) throws -> Int { try lineNumber(at: failure.offset, in: source) }

    /// A stream cannot resume: say exactly which tables are in (every row committed).
    func stopped(by error: any Error, context: LoadContext) -> any Error {
        let (complete, incomplete) = context.scheduler.tableStates()
        let touched = Set(complete + incomplete)
        let notStarted = scan.tables.filter { $0.created && !$0.isSequence }.compactMap { table in
            TableReference(database: table.database.map { context.map.map($0) }, table: table.name).resolved(in: context.map.target)
        }.filter { !touched.contains($0) }
        return IncompleteRestore(cause: error, complete: complete, incomplete: incomplete, notStarted: notStarted)
    }
}

/// A swiftdump directory: its manifest and every file checked before anything is applied,
/// then every file queued at once (biggest tables first), each loaded in one transaction with
/// its journal entry.
struct DirectoryInput: RestoreInput {
    let dump: DirectoryDump
    /// What each schema file does, by its path: read once, here.
    private let schemaSummaries: [String: SchemaFile]

    /// What a schema file's statements do to its table.
    private struct SchemaFile {
        var created = false
        var dropped = false
        /// How the file runs among the other CREATEs and DROPs: dependent if any of its is.
        var step = RestoreItem.SchemaStep.standalone
    }

    init(_ dump: DirectoryDump) throws {
        self.dump = dump
        var summaries: [String: SchemaFile] = [:]
        for file in dump.files where file.kind == .schema {
            var summary = SchemaFile()
            let splitter = StatementSplitter(reader: try file.open().makeReader())
            while let statement = try splitter.next() {
                guard case .table(_, let action) = StatementClassifier.classify(statement.bytes), action == .create || action == .drop else { continue }
                if action == .create { summary.created = true } else { summary.dropped = true }
                if StatementClassifier.schemaStep(statement.bytes) == .dependent { summary.step = .dependent }
            }
            summaries[file.relativePath] = summary
        }
        schemaSummaries = summaries
    }

    var acceptedProblems: [String] { dump.acceptedProblems }
    var databases: [SQLName] { dump.databases }
    var namesNoDatabase: Bool { false }
    var sqlBytes: UInt64 { dump.files.reduce(0) { $0 + $1.sqlBytes } }
    var tableCount: Int { dump.files.filter { $0.kind == .schema }.count }
    var knowsAllWorkFirst: Bool { true }

    func listing() -> String { DumpListing.directory(dump) }

    func createdTables(map: DatabaseMap) throws -> [(table: TableID, dropsFirst: Bool)] {
        dump.files.filter { $0.kind == .schema }.compactMap { file in
            guard let database = file.database.map({ map.map($0) }), let name = file.table else { return nil }
            let actions = schemaSummaries[file.relativePath] ?? SchemaFile()
            return actions.created ? (TableID(database: database, table: name), actions.dropped) : nil
        }
    }

    func rowBytes(map: DatabaseMap) -> [TableID: UInt64] {
        var bytes: [TableID: UInt64] = [:]
        for file in dump.files where file.kind == .data {
            guard let database = file.database, let table = file.table else { continue }
            bytes[TableID(database: map.map(database), table: table), default: 0] += file.sqlBytes
        }
        return bytes
    }

    func databasesNotCreated(map: DatabaseMap) -> [SQLName] {
        let created = Set(dump.files.filter { $0.kind == .database }.compactMap(\.database))
        return dump.databases.filter { !created.contains($0) }.map { map.map($0) }
    }

    /// The session settings at the top of its first table file.
    func sessionSettings() throws -> [[UInt8]] {
        guard let first = dump.files.first(where: { $0.kind == .schema || $0.kind == .data }) else { return [] }
        var settings: [[UInt8]] = []
        let splitter = StatementSplitter(reader: try first.open().makeReader())
        while let statement = try splitter.next(), case .session = StatementClassifier.classify(statement.bytes) {
            settings.append(statement.bytes)
        }
        return settings
    }

    func journal(target: SQLName?) -> RestoreJournal? {
        dump.manifest == nil ? nil : RestoreJournal(dumpIdentity: dump.identity, target: target)
    }

    func expectations(map: DatabaseMap) throws -> RowExpectations? {
        let expectations = RowExpectations()
        try DumpListing.expectations(of: dump, map: map, into: expectations)
        return expectations
    }

    /// Every file as the scheduler's items, in the manifest's order; files the journal has (on
    /// --resume) are left out.
    func queue(_ context: LoadContext) throws {
        defer { context.scheduler.finishFeeding() }
        let map = context.map
        var indexes: [TableID: Statement] = [:]
        var schemaFiles: [TableID: String] = [:]
        var lastData: [TableID: Int] = [:]
        var dataFiles: [TableID: Int] = [:]
        for (position, file) in dump.files.enumerated() where file.kind == .data {
            if let database = file.database, let table = file.table {
                lastData[TableID(database: map.map(database), table: table)] = position
                dataFiles[TableID(database: map.map(database), table: table), default: 0] += 1
            }
        }
        let ridingEntries = schemaEntriesRidingWithRows(dataFiles: dataFiles, context: context)
        for (position, file) in dump.files.enumerated() {
            let key = file.database.flatMap { database in file.table.map { TableID(database: map.map(database), table: $0) } }
            let kind: RestoreItem.Kind = switch file.kind {
            case .database: .barrier
            case .schema: .ordered(schema: schemaSummaries[file.relativePath]?.step ?? .dependent)
            case .data: .data
            case .objects: .object
            }
            if file.kind == .schema, let key, context.rules.deferredTables.contains(key) {
                indexes[key] = try Self.deferredIndexes(in: file, key: key, rules: context.rules)
                schemaFiles[key] = file.relativePath
            }
            if !context.done.contains(file.relativePath) {
                let journals = switch file.kind {
                case .schema where key.map(ridingEntries.keys.contains) == true: [String]()
                case .data: (key.flatMap { ridingEntries[$0] }.map { [$0] } ?? []) + [file.relativePath]
                default: [file.relativePath]
                }
                try context.scheduler.add(RestoreItem(kind: kind, table: key, database: key?.database ?? file.database.map { map.map($0) },
                                                      work: .file(file, journals: journals), bytes: Int(file.sqlBytes)))
            }
            // The deferred indexes follow the table's last rows (or its structure, if it has none).
            if let key, let alter = indexes[key], lastData[key] ?? position == position, file.kind != .objects {
                let part = "indexes:\(FileNames.encode(file.database ?? "")).\(FileNames.encode(file.table ?? ""))"
                indexes[key] = nil
                if !context.done.contains(part) {
                    try context.scheduler.add(RestoreItem(kind: .ordered(schema: .notSchema), table: key, database: key.database,
                                                          work: .indexes(alter, table: key, source: schemaFiles[key] ?? "", part: part),
                                                          bytes: alter.bytes.count))
                }
            }
        }
    }

    func line(of failure: StatementFailure) throws -> Int {
        guard let file = try dump.location.file(failure.source) else { throw InputError("\(failure.source): missing") }
        return try lineNumber(at: failure.offset, in: DumpSource(file))
    }

    /// A directory restore resumes (--resume): the failure says enough.
    func stopped(by error: any Error, context: LoadContext) -> any Error { error }

    /// The schema files (by table) whose journal entry commits with their table's rows, in
    /// the transaction of its only data file: one commit a table instead of two. Until those
    /// rows commit, the table holds none of the dump's, and --resume runs the schema file
    /// again; so only where that re-creates the table: the file drops it first, or
    /// --if-not-exists keeps it. Neither file may be journaled already.
    private func schemaEntriesRidingWithRows(dataFiles: [TableID: Int], context: LoadContext) -> [TableID: String] {
        var entries: [TableID: String] = [:]
        for file in dump.files where file.kind == .schema && !context.done.contains(file.relativePath) {
            guard let database = file.database, let table = file.table else { continue }
            let key = TableID(database: context.map.map(database), table: table)
            guard dataFiles[key] == 1 else { continue }
            let recreates = context.rules.existingTables == .keep || schemaSummaries[file.relativePath]?.dropped == true
            guard recreates else { continue }
            entries[key] = file.relativePath
        }
        let dataDone = dump.files.filter { $0.kind == .data && context.done.contains($0.relativePath) }
        for file in dataDone {
            if let database = file.database, let table = file.table { entries[TableID(database: context.map.map(database), table: table)] = nil }
        }
        return entries
    }

    /// The ALTER TABLE that adds the indexes deferral leaves out of a schema file's table, at
    /// the CREATE TABLE's offset (a failure names that line).
    private static func deferredIndexes(in file: DirectoryDump.File, key: TableID, rules: TableStatementRules) throws -> Statement? {
        let splitter = StatementSplitter(reader: try file.open().makeReader())
        while let statement = try splitter.next() {
            if case .table(_, .create) = StatementClassifier.classify(statement.bytes) {
                return rules.deferral(of: statement, key: key)?.indexes
            }
        }
        return nil
    }
}
