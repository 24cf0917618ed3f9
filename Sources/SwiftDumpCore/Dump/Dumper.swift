import MariaDBClient

/// Runs one dump: reads the catalog on its own connection and writes the text, while the rows
/// are read in chunks — on that same connection with `--threads 1`, else by N reader
/// connections in one snapshot (``SnapshotGroup``) — and laid out by a ``DumpLayout``.
///
/// Order of the output, as mariadb-dump 10.11's: header; replication position; per database
/// its CREATE DATABASE/USE, sequences, then each table's structure, data and triggers, then its
/// views, routines and events; the deferred GTID; the footer.
final class Dumper {
    let options: DumpOptions
    let connection: Connection
    let layout: any DumpLayout
    let progress: DumpProgress
    let text: DumpText
    let catalog: Catalog
    /// Messages for standard error (and --log-error): warnings, --force errors, --verbose.
    let report: (String) -> Void
    /// Errors skipped under --force; the run still exits non-zero.
    private(set) var skippedErrors = 0
    /// The order of everything, and the foreign keys that wait for the data.
    private(set) var plan = DumpPlan(databases: [], deferred: [:], views: [])
    /// The FOREIGN KEY clauses taken out of CREATE TABLE, to add after all data, in dump order.
    private(set) var deferredClauses: [(table: TableID, clause: [UInt8])] = []
    /// The server's size estimates for the current database's tables.
    private var sizes: [SQLName: (bytes: UInt64, rows: UInt64)] = [:]

    /// How the rows are read; set once the consistency is established.
    private var reading: ChunkReading
    private var readers: ReaderPool?
    /// The readers' snapshot (--threads N), or the main connection's locks and transaction.
    private var snapshot: SnapshotGroup?
    private var oneConnection: OneConnectionSnapshot?
    /// Tables whose rows a snapshot does not protect (non-transactional engines).
    private(set) var notCovered: [TableID] = []
    private(set) var proof: SnapshotProof?

    init(options: DumpOptions, connection: Connection, layout: any DumpLayout, progress: DumpProgress, report: @escaping (String) -> Void) {
        self.options = options
        self.connection = connection
        self.layout = layout
        self.progress = progress
        self.reading = .inline(connection)
        self.text = DumpText(options: options)
        self.catalog = Catalog(connection: connection)
        self.report = report
    }

    /// Dumps everything `options` selects. Returns the number of errors skipped with --force.
    /// The layout is not finished here: the caller commits it (or abandons it on a throw).
    func run() throws -> Int {
        defer {
            // On a throw the readers may still be waiting for work: end them before their
            // connections' snapshots.
            readers?.stop()
            snapshot?.finish()
            oneConnection?.releaseDDL(report: verboseReport)
        }
        try prepareSession()
        let databases = try selectedDatabases()
        let position: LogPosition?
        if options.threads > 1 {
            position = try startSnapshot()
        } else {
            let started = try OneConnectionSnapshot.start(on: connection, options: options, report: verboseReport)
            oneConnection = started.0
            position = started.1
        }

        var entries: [SQLName: [Catalog.Entry]] = [:]
        var foreignKeys: [Catalog.ForeignKey] = []
        var viewDefinitions: [TableID: [UInt8]] = [:]
        for database in databases {
            entries[database] = try selectedEntries(of: database)
            if options.order == .dependencies && !options.noCreateInfo {
                foreignKeys += try catalog.foreignKeys(in: database)
                if entries[database]?.contains(where: { $0.kind == .view }) == true {
                    for (view, definition) in try catalog.viewDefinitions(in: database) {
                        viewDefinitions[TableID(database: database, table: view)] = definition
                    }
                }
            }
        }
        plan = DumpPlan.make(databases: databases, entries: entries, foreignKeys: foreignKeys,
                             viewDefinitions: viewDefinitions, order: options.order)

        let stream = layout.isSingleStream
        if stream { try layout.write(text.header(host: options.connection.host ?? "localhost", serverInfo: connection.serverInfo)) }
        if let position, stream { try layout.write(text.replicationPosition(position)) }
        for database in plan.databases {
            try dumpDatabase(database)
        }
        try writeDeferredForeignKeys()
        try dumpViews()
        try dumpEventsLast()
        try layout.enter(.stream)
        if let position, options.masterData > 0, stream { try layout.write(text.deferredGTID(position.gtid)) }
        if stream { try layout.write(text.footer(date: DumpText.localDate())) }
        if let readers {
            for message in try readers.finish() {
                skippedErrors += 1
                report("swiftdump: \(message)")
            }
        }
        try oneConnection?.finish(report: verboseReport)
        return skippedErrors
    }

    /// Opens the reader connections in one snapshot and reports the proof (-v).
    private func startSnapshot() throws -> LogPosition? {
        if options.flushLogs { try connection.execute("FLUSH LOGS") }
        let locking: SnapshotGroup.Locking = options.noLock ? .none : options.lockAllTables ? .wholeDump : .brief(holdingDDL: options.ddlLock)
        let sessionSetup = sessionStatements
        let group = try SnapshotGroup.start(
            count: options.threads, options: options.connection, locking: locking, lockWaitTimeout: options.lockWaitTimeout,
            coordinator: connection, prepare: { connection in for statement in sessionSetup { try connection.execute(statement) } },
            report: verboseReport)
        snapshot = group
        proof = group.proof
        let proof = group.proof
        verbose("-- Snapshot: \(group.workers.count) connection(s), \(proof.method), lock held \(String(format: "%.1f", proof.lockHeldMilliseconds)) ms, positions \(proof.positions.map { "\($0.file):\($0.position) gtid \($0.gtid)" }.joined(separator: "; "))\(proof.consistent ? ", all agree" : "")")
        if !proof.note.isEmpty && (options.verbose || !proof.consistent) { report("-- \(proof.note)") }
        // A directory's readers take the largest chunk listed so far, from the first table
        // listed on: reading overlaps the listing (at 100,000 small tables, waiting for the
        // whole listing left them idle for most of it), a big table listed late still goes
        // before the small ones left, and chunking bounds what is left to the end to about
        // one chunk. The stream's readers take chunks in its order.
        let queue = layout.isSingleStream ? BlockingQueue<ChunkJob>() : BlockingQueue<ChunkJob>(first: { $0.estimatedBytes > $1.estimatedBytes })
        readers = ReaderPool(workers: group.workers, queue: queue, layout: layout, force: options.force)
        reading = .pool(queue)
        guard options.masterData > 0 else { return nil }
        guard let position = group.position, !position.file.isEmpty else { throw DumpError.noBinaryLog }
        return position
    }

    // MARK: Session and consistency

    /// The session every connection of the dump runs in.
    private var sessionStatements: [String] {
        var sqlMode = ""
        if !options.createOptions { sqlMode = "NO_KEY_OPTIONS,NO_TABLE_OPTIONS,NO_FIELD_OPTIONS" }
        var statements: [String] = [
            "SET SESSION sql_mode = '\(sqlMode)'",
            "SET SESSION SQL_QUOTE_SHOW_CREATE = \(options.quoteNames ? 1 : 0)",
            // A consumer that stalls (a slow disk, a pipe) must not get the stream cut after 60 s.
            "SET SESSION net_write_timeout = 86400, SESSION net_read_timeout = 86400",
            // No wait for a lock is unbounded (the server's default is a year): a wait that
            // ends says what holds the lock.
            "SET SESSION lock_wait_timeout = \(options.lockWaitTimeout)",
        ]
        if options.tzUTC { statements.append("SET SESSION time_zone = '+00:00'") }
        return statements
    }

    private func prepareSession() throws {
        for statement in sessionStatements { try connection.execute(statement) }
    }

    // MARK: Databases

    private func selectedDatabases() throws -> [SQLName] {
        switch options.scope {
        case .tables(let database, _):
            return [database]
        case .databases(let names):
            return names.filter { !options.ignoredDatabases.contains($0) }
        case .allDatabases:
            return try catalog.databases().filter { !TablePolicy.isLeftOutOfAllDatabases($0) && !options.ignoredDatabases.contains($0) }
        }
    }

    /// Dumps a database's sequences, tables (in the plan's order), events and routines; its
    /// views are written at the end.
    private func dumpDatabase(_ planned: DumpPlan.Database) throws {
        let database = planned.name
        let entries = planned.entries
        if case .tables = options.scope {
            // db [tables]: no CREATE DATABASE or USE, as in mysqldump.
        } else {
            let create = options.noCreateDatabase ? nil : try catalog.createDatabase(database)
            try layout.enter(.database(database))
            try layout.write(text.databasePreamble(database, createStatement: create))
        }
        try connection.selectDatabase(database)
        // The log tables cannot be read under LOCK TABLES: as mariadb-dump does, general_log and
        // slow_log are written before the lock, transaction_registry after it is released.
        for entry in entries where entry.kind == .table && TablePolicy.isWrittenFirst(entry.name, in: database) {
            try guarded(entry.name) { try dumpTable(TableID(database: database, table: entry.name), engine: "") }
        }
        // Views are locked too: reading a view's definition under LOCK TABLES needs it. The
        // server's log tables cannot be locked.
        // LOCK TABLES belongs to this session: it only protects rows read on this connection.
        var lockable = entries.filter { !TablePolicy.isLogTable($0.name, in: database) }
        if case .pool = reading { lockable = [] }
        if options.lockTables && !lockable.isEmpty {
            do {
                try oneConnection?.lockTables(lockable.map(\.name))
            } catch let error as MariaDBError where options.force {
                // --force: carry on unlocked (a broken table makes the whole lock fail).
                skippedErrors += 1
                report("swiftdump: Got error: \(error.code): \"\(error.message)\" when using LOCK TABLES")
            }
        }
        defer { if options.lockTables && !lockable.isEmpty { _ = try? oneConnection?.unlockTables() } }

        let engines = try catalog.engines(in: database)
        sizes = try catalog.tableSizes(in: database)
        if case .pool = reading, !options.lockAllTables, !options.noData {
            // Tables without rows of their own (merge, federated, blackhole) have nothing to cover.
            let covered = TablePolicy.transactionalEngines.union(TablePolicy.datalessEngines)
            let uncovered = entries.filter { $0.kind == .table && !covered.contains(engines[$0.name] ?? "InnoDB") && !TablePolicy.isLogTable($0.name, in: database) }
            notCovered += uncovered.map { TableID(database: database, table: $0.name) }
            for entry in uncovered {
                verbose("-- Not covered by the snapshot (non-transactional engine \(engines[entry.name] ?? "")): \(TableID(database: database, table: entry.name))")
            }
        }
        for entry in entries where entry.kind == .sequence {
            try guarded(entry.name) { try dumpSequence(TableID(database: database, table: entry.name)) }
        }
        for entry in entries where entry.kind == .table && !TablePolicy.isLogTable(entry.name, in: database) {
            try guarded(entry.name) {
                try dumpTable(TableID(database: database, table: entry.name), engine: engines[entry.name] ?? "", versioned: entry.isVersioned)
            }
            try oneConnection?.tableDumped()
        }
        // In dependency order events come last of all (see dumpEventsLast).
        if options.events && options.order == .name {
            try layout.enter(.objects(database: database))
            try dumpEvents(in: database)
        }
        if options.routines {
            try layout.enter(.objects(database: database))
            try dumpRoutines(in: database)
        }
        let lastLogTables = entries.filter { $0.kind == .table && TablePolicy.isLogTable($0.name, in: database) && !TablePolicy.isWrittenFirst($0.name, in: database) }
        if !lastLogTables.isEmpty {
            if options.lockTables && !lockable.isEmpty { try oneConnection?.unlockTables() }
            for entry in lastLogTables {
                try guarded(entry.name) { try dumpTable(TableID(database: database, table: entry.name), engine: "") }
            }
        }
    }

    /// The objects to dump in `database`: all of them, or the tables named on the command line
    /// (each must exist: mysqldump's "Couldn't find table", exit 6), less --ignore-table.
    private func selectedEntries(of database: SQLName) throws -> [Catalog.Entry] {
        let all = try catalog.entries(of: database)
        var selected = all
        if case .tables(_, let names) = options.scope, !names.isEmpty {
            selected = try names.map { name in
                guard let entry = all.first(where: { $0.name == name }) else {
                    throw DumpError.illegalTable(database: database, table: name)
                }
                return entry
            }
        }
        return selected.filter { !options.ignoredTables.contains(SQLName(bytes: database.bytes + [UInt8(ascii: ".")] + $0.name.bytes)) }
    }

    /// Runs one object's dump; under --force a server error is reported and the dump goes on.
    func guarded(_ object: SQLName, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as MariaDBError where options.force {
            skippedErrors += 1
            report("swiftdump: Couldn't dump \(object.quoted): \(error)")
        }
    }

    private func verbose(_ message: @autoclosure () -> String) {
        if options.verbose { report(message()) }
    }

    /// `report` for what only -v shows.
    private var verboseReport: (String) -> Void {
        { [options, report] message in if options.verbose { report(message) } }
    }

    private func dumpTable(_ table: TableID, engine: String, versioned: Bool = false) throws {
        verbose("-- Retrieving table structure for table \(table.table)...")
        let isLogTable = TablePolicy.isLogTable(table.table, in: table.database)
        let columns = try catalog.columns(of: table)
        try layout.enter(.structure(table))
        if !options.noCreateInfo {
            var create = try catalog.showCreate(.table, table)[1] ?? []
            create = SequenceReferences.unqualified(create, database: table.database)
            let (withoutDeferred, clauses) = ForeignKeyDeferral.split(create, removing: plan.deferredConstraints(table))
            create = withoutDeferred
            deferredClauses += clauses.map { (table, $0) }
            if isLogTable, create.starts(with: Array("CREATE TABLE ".utf8)) {
                create = Array("CREATE TABLE IF NOT EXISTS ".utf8) + create.dropFirst("CREATE TABLE ".utf8.count)
            }
            try layout.write(text.tableStructureHeading(table.table))
            try layout.write(text.createTable(create, table: table.table, dropFirst: !isLogTable))
        }
        if !options.noData && !TablePolicy.datalessEngines.contains(engine) && !isLogTable
            && !TablePolicy.skipsData(table.table, in: table.database, events: options.events) {
            try dumpRows(of: table, columns: columns, history: versioned && options.dumpHistory)
        }
        if options.triggers {
            // In a directory the triggers wait for the data: created first, they would fire on it.
            if !layout.isSingleStream { try layout.enter(.objects(database: table.database)) }
            try dumpTriggers(on: table)
        }
    }

    /// Streams the table's rows into INSERT statements (``RowSelection``). With `history`, every
    /// row version of a system-versioned table, with its period.
    private func dumpRows(of table: TableID, columns: [Catalog.ColumnInfo], history: Bool = false) throws {
        let orderColumns = options.orderByPrimary ? try catalog.uniqueKeyColumns(of: table) : []
        guard let selection = try RowSelection(table: table, columns: columns, history: history, completeInsert: options.completeInsert,
                                               orderColumns: orderColumns) else { return }
        let estimate = sizes[table.table]?.bytes ?? 0
        // History rows share their key with the current row: such tables are read in one piece.
        let ranges = history ? [nil] : try TableChunker.ranges(of: table, estimatedBytes: estimate, chunkSize: options.chunkSize,
                                                              catalog: catalog, columns: columns)
        let queries = selection.queries(ranges: ranges, condition: options.whereCondition.map { SQLText(verbatim: $0) })

        let lock = !columns.contains(where: \.defaultUsesSequence)
        if layout.isSingleStream { try layout.write(text.dataHeading(table.table, orderBy: selection.orderBy, lock: lock, history: history)) }
        verbose("-- Sending SELECT query...")
        verbose("-- Retrieving rows...")
        progress.addTable(estimatedBytes: estimate)
        try layout.addRows(TableRows(
            table: table,
            statementStart: text.insertStart(table.table, columns: selection.columns, withColumnList: selection.needsColumnList,
                                             extraColumns: selection.extraColumns),
            extended: options.extendedInsert, netBufferLength: options.netBufferLength, hexBlob: options.hexBlob,
            queries: queries, estimatedBytes: estimate), reading: reading)
        if layout.isSingleStream { try layout.write(text.dataTrailer(table.table, lock: lock, history: history)) }
    }
}

@available(*, unavailable, message: "the Dumper runs on the thread of its main connection")
extension Dumper: Sendable {}
