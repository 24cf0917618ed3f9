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
    private var plan = DumpPlan(databases: [], deferred: [:], views: [])
    /// The FOREIGN KEY clauses taken out of CREATE TABLE, to add after all data, in dump order.
    private var deferredClauses: [(table: TableID, clause: [UInt8])] = []
    /// The server's size estimates for the current database's tables.
    private var sizes: [SQLName: (bytes: UInt64, rows: UInt64)] = [:]

    /// How the rows are read; set once the consistency is established.
    private var reading: ChunkReading
    private var readers: ReaderPool?
    private var snapshot: SnapshotGroup?
    /// DDL held back for a one-connection --single-transaction dump (the snapshot group holds
    /// its own otherwise).
    private var ddlBlock: DDLBlock?
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
            ddlBlock?.release(report: { [options, report] message in if options.verbose { report(message) } })
        }
        try prepareSession()
        let databases = try selectedDatabases()
        let position = options.threads > 1 ? try startSnapshot() : try establishConsistency(databases: databases)

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
        if let position, stream { try layout.write(text.replicationPosition(file: position.file, position: position.offset, gtid: position.gtid)) }
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
        if options.threads <= 1 && options.singleTransaction { try connection.execute("COMMIT") }
        ddlBlock?.release(report: { [options, report] message in if options.verbose { report(message) } })
        ddlBlock = nil
        if options.lockAllTables { try connection.execute("UNLOCK TABLES") }
        return skippedErrors
    }

    /// Opens the reader connections in one snapshot and reports the proof (-v).
    private func startSnapshot() throws -> ReplicationPosition? {
        if options.flushLogs { try connection.execute("FLUSH LOGS") }
        let locking: SnapshotGroup.Locking = options.noLock ? .none : options.lockAllTables ? .wholeDump : .brief(holdingDDL: options.ddlLock)
        let sessionSetup = sessionStatements
        let group = try SnapshotGroup.start(
            count: options.threads, options: options.connection, locking: locking, lockWaitTimeout: options.lockWaitTimeout,
            coordinator: connection, prepare: { connection in for statement in sessionSetup { try connection.execute(statement) } },
            report: { [options, report] message in if options.verbose { report(message) } })
        snapshot = group
        proof = group.proof
        let proof = group.proof
        verbose("-- Snapshot: \(group.workers.count) connection(s), \(proof.method), lock held \(String(format: "%.1f", proof.lockHeldMilliseconds)) ms, positions \(proof.positions.map { "\($0.file):\($0.position) gtid \($0.gtid)" }.joined(separator: "; "))\(proof.consistent ? ", all agree" : "")")
        if !proof.note.isEmpty && (options.verbose || !proof.consistent) { report("-- \(proof.note)") }
        let queue = WorkQueue(holdUntilReleased: !layout.isSingleStream)
        readers = ReaderPool(workers: group.workers, queue: queue, layout: layout, force: options.force)
        reading = .pool(queue)
        guard options.masterData > 0 else { return nil }
        guard let position = group.position, !position.file.isEmpty else {
            throw DumpError.usage("--master-data needs the binary log to be enabled on the server")
        }
        return ReplicationPosition(file: position.file, offset: position.position, gtid: position.gtid)
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

    private struct ReplicationPosition {
        let file: String
        let offset: String
        let gtid: String
    }

    /// Takes the locks or snapshot the options ask for and reads the binary log position.
    private func establishConsistency(databases: [SQLName]) throws -> ReplicationPosition? {
        if options.lockAllTables {
            try connection.execute("FLUSH /*!40101 LOCAL */ TABLES")
            try connection.execute("FLUSH TABLES WITH READ LOCK")
        }
        if options.flushLogs { try connection.execute("FLUSH LOGS") }
        if options.singleTransaction {
            if !options.noLock && options.ddlLock {
                do {
                    ddlBlock = try DDLBlock.take(on: connection, lockWaitTimeout: options.lockWaitTimeout)
                } catch let error as MariaDBError where error.isAccessDenied {
                    verbose("-- DDL is not held back (no privilege for BACKUP STAGE: \(error.message))")
                }
            }
            try connection.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            try connection.execute("START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */")
        }
        guard options.masterData > 0 else { return nil }
        // Inside a consistent snapshot MariaDB reports the position matching it; under the
        // global read lock SHOW MASTER STATUS is exact.
        var file: String?
        var offset: String?
        if options.singleTransaction {
            for row in try connection.query("SHOW STATUS LIKE 'binlog_snapshot_%'").rows {
                if row.string(0) == "Binlog_snapshot_file" { file = row.string(1) }
                if row.string(0) == "Binlog_snapshot_position" { offset = row.string(1) }
            }
        }
        if file == nil || file == "" {
            guard let row = try connection.query("SHOW MASTER STATUS").rows.first else {
                throw DumpError.usage("--master-data needs the binary log to be enabled on the server")
            }
            file = row.string(0)
            offset = row.string(1)
        }
        let gtid = try connection.query("SELECT @@GLOBAL.gtid_binlog_pos").rows.first?.string(0) ?? ""
        return ReplicationPosition(file: file ?? "", offset: offset ?? "", gtid: gtid)
    }

    // MARK: Databases

    private func selectedDatabases() throws -> [SQLName] {
        switch options.scope {
        case .tables(let database, _):
            return [database]
        case .databases(let names):
            return names.filter { !options.ignoredDatabases.contains($0) }
        case .allDatabases:
            let skipped: Set<SQLName> = ["information_schema", "performance_schema", "sys"]
            return try catalog.databases().filter { !skipped.contains($0.asciiLowercased) && !options.ignoredDatabases.contains($0) }
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
        for entry in entries where entry.kind == .table && Self.isWrittenFirst(entry.name, in: database) {
            try guarded(entry.name) { try dumpTable(TableID(database: database, table: entry.name), engine: "") }
        }
        // Views are locked too: reading a view's definition under LOCK TABLES needs it. The
        // server's log tables cannot be locked.
        // LOCK TABLES belongs to this session: it only protects rows read on this connection.
        var lockable = entries.filter { !Self.isLogTable($0.name, in: database) }
        if case .pool = reading { lockable = [] }
        if options.lockTables && !lockable.isEmpty {
            let list = SQLText.joined(lockable.map { "\(identifier: $0.name) READ /*!32311 LOCAL */" }, separator: ",")
            do {
                try connection.execute("LOCK TABLES \(sql: list)")
            } catch let error as MariaDBError where options.force {
                // --force: carry on unlocked (a broken table makes the whole lock fail).
                skippedErrors += 1
                report("swiftdump: Got error: \(error.code): \"\(error.message)\" when using LOCK TABLES")
            }
        }
        defer { if options.lockTables && !lockable.isEmpty { _ = try? connection.execute("UNLOCK TABLES") } }

        let engines = try catalog.engines(in: database)
        sizes = try catalog.tableSizes(in: database)
        if case .pool = reading, !options.lockAllTables, !options.noData {
            // Tables without rows of their own (merge, federated, blackhole) have nothing to cover.
            let covered = Self.transactionalEngines.union(Self.datalessEngines)
            let uncovered = entries.filter { $0.kind == .table && !covered.contains(engines[$0.name] ?? "InnoDB") && !Self.isLogTable($0.name, in: database) }
            notCovered += uncovered.map { TableID(database: database, table: $0.name) }
            for entry in uncovered {
                verbose("-- Not covered by the snapshot (non-transactional engine \(engines[entry.name] ?? "")): \(TableID(database: database, table: entry.name))")
            }
        }
        for entry in entries where entry.kind == .sequence {
            try guarded(entry.name) { try dumpSequence(TableID(database: database, table: entry.name)) }
        }
        for entry in entries where entry.kind == .table && !Self.isLogTable(entry.name, in: database) {
            try guarded(entry.name) {
                try dumpTable(TableID(database: database, table: entry.name), engine: engines[entry.name] ?? "", versioned: entry.isVersioned)
            }
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
        let lastLogTables = entries.filter { $0.kind == .table && Self.isLogTable($0.name, in: database) && !Self.isWrittenFirst($0.name, in: database) }
        if !lastLogTables.isEmpty {
            if options.lockTables && !lockable.isEmpty { try connection.execute("UNLOCK TABLES") }
            for entry in lastLogTables {
                try guarded(entry.name) { try dumpTable(TableID(database: database, table: entry.name), engine: "") }
            }
        }
    }

    /// Views come after every database's tables, so a view may use a table of any of them, and
    /// each after the views it selects from. In mariadb-dump's order every database gets its USE
    /// again once there are any views; in dependency order a USE comes where the database changes.
    private func dumpViews() throws {
        guard !plan.views.isEmpty && !options.noCreateInfo else { return }
        let announceEveryDatabase = options.order == .name
        var current: SQLName?
        func enter(_ database: SQLName) throws {
            try enterForObjects(database)
            current = database
        }
        for database in plan.databases.map(\.name) where announceEveryDatabase {
            try enter(database)
            for view in plan.views where view.database == database {
                try guarded(view.table) { try dumpView(view) }
            }
        }
        guard !announceEveryDatabase else { return }
        for view in plan.views {
            if current != view.database { try enter(view.database) }
            try guarded(view.table) { try dumpView(view) }
        }
    }

    /// Events after everything else: an enabled event whose time has come could otherwise run
    /// against a half-restored database.
    private func dumpEventsLast() throws {
        guard options.events && options.order == .dependencies else { return }
        for database in plan.databases.map(\.name) {
            try enterForObjects(database)
            try dumpEvents(in: database)
        }
    }

    /// Switches to `database` for the views or events that follow: in the output (its USE,
    /// in a stream of several databases; a directory's objects file writes its own) and on the
    /// main connection, which reads their definitions.
    private func enterForObjects(_ database: SQLName) throws {
        try layout.enter(.objects(database: database))
        if case .tables = options.scope {} else if layout.isSingleStream {
            try layout.write(text.databasePreamble(database, createStatement: nil))
        }
        try connection.selectDatabase(database)
    }

    /// The foreign keys left out of CREATE TABLE, added once every table holds its data.
    private func writeDeferredForeignKeys() throws {
        guard !deferredClauses.isEmpty else { return }
        try layout.enter(.objects(database: nil))
        try layout.write(text.comment("\n--\n-- Foreign keys added after the data (they close a cycle or reference their own table)\n--\n\n"))
        var current: SQLName?
        for (table, clause) in deferredClauses {
            if current != table.database {
                // A single-database dump names no database: it loads into whichever is current.
                if !layout.isSingleStream {
                    try layout.enter(.objects(database: table.database))
                } else if case .tables = options.scope {} else { try layout.write("USE \(sql: text.name(table.database));\n" as SQLText) }
                current = table.database
            }
            try layout.write("ALTER TABLE \(sql: text.name(table.table)) ADD \(sql: clause);\n" as SQLText)
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
    private func guarded(_ object: SQLName, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as MariaDBError where options.force {
            skippedErrors += 1
            report("swiftdump: Couldn't dump \(object.quoted): \(error)")
        }
    }

    // MARK: Objects

    private func dumpSequence(_ sequence: TableID) throws {
        guard !options.noCreateInfo else { return }
        try layout.enter(.structure(sequence))
        let create = try catalog.showCreate(.sequence, sequence)
        let next = try catalog.sequenceNextValue(sequence)
        try layout.write(text.sequence(sequence.table, createStatement: create[1] ?? [], nextValue: next))
    }

    /// SHOW CREATE TABLE names a sequence used by a DEFAULT with its database
    /// (`nextval(`db`.`s`)`): restored under another name, the table would keep drawing from the
    /// old database's sequence. A sequence of the table's own database is written unqualified.
    /// Read by ``SQLLexer``: the same text inside a comment or a string default stays as it is.
    static func unqualifyingSequences(_ statement: [UInt8], database: SQLName) -> [UInt8] {
        let prefix = Array("nextval(".utf8) + SQLText.identifier(database) + [UInt8(ascii: ".")]
        guard statement.firstRange(of: prefix) != nil else { return statement }
        let tokens = SQLLexer.lexemes(statement).filter { $0.kind != .space }
        var removed: [Range<Int>] = []
        for index in 0..<max(0, tokens.count - 3) {
            let (word, open, name, dot) = (tokens[index], tokens[index + 1], tokens[index + 2], tokens[index + 3])
            guard word.kind == .word, String(decoding: statement[word.range], as: UTF8.self).lowercased() == "nextval",
                  open.kind == .symbol, statement[open.range.lowerBound] == UInt8(ascii: "("),
                  name.kind == .identifier, dot.kind == .symbol, statement[dot.range.lowerBound] == UInt8(ascii: "."),
                  statement.withUnsafeBytes({ SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: $0[name.range])) }) == database.bytes
            else { continue }
            removed.append(name.range.lowerBound..<dot.range.upperBound)
        }
        var result = statement
        for range in removed.reversed() { result.removeSubrange(range) }
        return result
    }

    /// Engines whose tables hold no rows of their own: their data is never read.
    static let datalessEngines: Set<String> = ["MRG_MYISAM", "MRG_MyISAM", "FEDERATED", "BLACKHOLE"]
    /// Engines whose rows a consistent snapshot protects.
    static let transactionalEngines: Set<String> = ["InnoDB", "ROCKSDB", "TokuDB", "SEQUENCE"]

    private static let mysql: SQLName = "mysql"

    /// mysql.general_log, slow_log and transaction_registry: the server writes them; a restore
    /// must neither drop nor fill them, only make sure they exist (as mariadb-dump does).
    /// LOCK TABLES refuses them (error 1556).
    static func isLogTable(_ table: SQLName, in database: SQLName) -> Bool {
        database.asciiLowercased == mysql && ["general_log", "slow_log", "transaction_registry"].contains(table.asciiLowercased)
    }

    /// general_log and slow_log, which mariadb-dump writes before the other tables of mysql.
    static func isWrittenFirst(_ table: SQLName, in database: SQLName) -> Bool {
        database.asciiLowercased == mysql && ["general_log", "slow_log"].contains(table.asciiLowercased)
    }

    /// mysql tables whose rows mariadb-dump leaves out: the InnoDB statistics (the server
    /// recomputes them) and, without --events, the events table.
    static func skipsData(_ table: SQLName, in database: SQLName, events: Bool) -> Bool {
        guard database.asciiLowercased == mysql else { return false }
        let name = table.asciiLowercased
        return name == "innodb_index_stats" || name == "innodb_table_stats" || (name == "event" && !events)
    }

    private func verbose(_ message: @autoclosure () -> String) {
        if options.verbose { report(message()) }
    }

    private func dumpTable(_ table: TableID, engine: String, versioned: Bool = false) throws {
        verbose("-- Retrieving table structure for table \(table.table)...")
        let isLogTable = Self.isLogTable(table.table, in: table.database)
        let columns = try catalog.columns(of: table)
        try layout.enter(.structure(table))
        if !options.noCreateInfo {
            var create = try catalog.showCreate(.table, table)[1] ?? []
            create = Self.unqualifyingSequences(create, database: table.database)
            let (withoutDeferred, clauses) = ForeignKeyDeferral.split(create, removing: plan.deferredConstraints(table))
            create = withoutDeferred
            deferredClauses += clauses.map { (table, $0) }
            if isLogTable, create.starts(with: Array("CREATE TABLE ".utf8)) {
                create = Array("CREATE TABLE IF NOT EXISTS ".utf8) + create.dropFirst("CREATE TABLE ".utf8.count)
            }
            try layout.write(text.tableStructureHeading(table.table))
            try layout.write(text.createTable(create, table: table.table, dropFirst: !isLogTable))
        }
        if !options.noData && !Self.datalessEngines.contains(engine) && !isLogTable
            && !Self.skipsData(table.table, in: table.database, events: options.events) {
            try dumpRows(of: table, columns: columns, history: versioned && options.dumpHistory)
        }
        if options.triggers {
            // In a directory the triggers wait for the data: created first, they would fire on it.
            if !layout.isSingleStream { try layout.enter(.objects(database: table.database)) }
            try dumpTriggers(on: table)
        }
    }

    /// Streams the table's rows into INSERT statements. With `history`, every row version of a
    /// system-versioned table, with its period, for system_versioning_insert_history.
    private func dumpRows(of table: TableID, columns: [Catalog.ColumnInfo], history: Bool = false) throws {
        // Generated columns are computed by the server on restore; their values are not dumped,
        // which needs a column list, as INVISIBLE columns do. With history, the period columns
        // are data: explicit ones by name, the implicit pair as row_start, row_end.
        let dumped = columns.filter { !$0.isGenerated || (history && $0.isRowPeriod) }
        guard !dumped.isEmpty else { return }
        if history, columns.contains(where: { $0.isRowPeriod && $0.dataType == "bigint" }) {
            throw DumpError.illegalTable(database: table.database, table: table.table,
                                         reason: "Cannot use --dump-history for table \(table.table.quoted) with transaction-precise history")
        }
        let implicitPeriod: SQLText = history && !columns.contains(where: \.isRowPeriod) ? ", row_start, row_end" : ""
        let needsColumnList = options.completeInsert || dumped.count != columns.count || columns.contains(where: \.isInvisible) || !implicitPeriod.isEmpty

        let orderColumns = options.orderByPrimary ? try catalog.uniqueKeyColumns(of: table) : []
        let orderBy: SQLText? = orderColumns.isEmpty ? nil : SQLText.joined(orderColumns.map { "\(identifier: $0)" }, separator: ",")
        var select: SQLText = "SELECT /*!40001 SQL_NO_CACHE */ \(identifiers: dumped.map(\.name))\(sql: implicitPeriod) FROM \(qualified: table)"
        if history { select += " FOR SYSTEM_TIME ALL" }
        let estimate = sizes[table.table]?.bytes ?? 0
        // History rows share their key with the current row: such tables are read in one piece.
        let ranges = history ? [nil] : try TableChunker.ranges(of: table, estimatedBytes: estimate, chunkSize: options.chunkSize,
                                                              catalog: catalog, columns: columns)
        let condition = options.whereCondition.map { SQLText(verbatim: $0) }
        let queries = ranges.map { range in
            var query = select
            switch (condition, range) {
            case (let condition?, let range?): query += " WHERE (\(sql: condition)) AND \(sql: range)"
            case (let condition?, nil): query += " WHERE \(sql: condition)"
            case (nil, let range?): query += " WHERE \(sql: range)"
            case (nil, nil): break
            }
            if let orderBy { query += " ORDER BY \(sql: orderBy)" }
            return query
        }

        let lock = !columns.contains(where: \.defaultUsesSequence)
        if layout.isSingleStream { try layout.write(text.dataHeading(table.table, orderBy: orderBy, lock: lock, history: history)) }
        verbose("-- Sending SELECT query...")
        verbose("-- Retrieving rows...")
        progress.addTable(estimatedBytes: estimate)
        try layout.addRows(TableRows(
            table: table,
            statementStart: text.insertStart(table.table, columns: dumped.map(\.name), withColumnList: needsColumnList, extraColumns: implicitPeriod),
            extended: options.extendedInsert, netBufferLength: options.netBufferLength, hexBlob: options.hexBlob,
            queries: queries, estimatedBytes: estimate), reading: reading)
        if layout.isSingleStream { try layout.write(text.dataTrailer(table.table, lock: lock, history: history)) }
    }

    private func dumpTriggers(on table: TableID) throws {
        for row in try catalog.triggers(on: table) {
            try layout.write(text.trigger(
                name: row.name(0) ?? "", sqlMode: row.string(1) ?? "", statement: row[2] ?? [],
                client: row.string(3) ?? "utf8mb4", collation: row.string(4) ?? "utf8mb4_general_ci"))
        }
    }

    private func dumpView(_ view: TableID) throws {
        let row = try catalog.showCreate(.view, view)
        try layout.write(text.view(view.table, createStatement: row[1] ?? [], client: row.string(2) ?? "utf8mb4", collation: row.string(3) ?? "utf8mb4_general_ci"))
    }

    private func dumpRoutines(in database: SQLName) throws {
        try layout.write(text.comment("\n--\n-- Dumping routines for database '\(sql: SQLText(bytes: SQLText.forComment(database.bytes)))'\n--\n"))
        for kind in [Catalog.Definition.function, .procedure, .package, .packageBody] {
            for name in try catalog.routineNames(kind, in: database) {
                let row = try catalog.showCreate(kind, TableID(database: database, table: name))
                guard let statement = row[2], !statement.isEmpty else {
                    throw DumpError.usage("insufficient privileges to SHOW CREATE \(kind.rawValue) \(name.quoted)")
                }
                try layout.write(text.routine(kind: kind, name: name, sqlMode: row.string(1) ?? "", statement: statement,
                                              client: row.string(3) ?? "utf8mb4", collation: row.string(4) ?? "utf8mb4_general_ci"))
            }
        }
    }

    private func dumpEvents(in database: SQLName) throws {
        try layout.write(text.comment("\n--\n-- Dumping events for database '\(sql: SQLText(bytes: SQLText.forComment(database.bytes)))'\n--\n"))
        let names = try catalog.eventNames(in: database)
        guard !names.isEmpty else { return }
        try layout.write("/*!50106 SET @save_time_zone= @@TIME_ZONE */ ;\n")
        var delimiter: SQLText = ";"
        for name in names {
            // Without the EVENT privilege on its schema the body comes back empty: skipped, as mariadb-dump does.
            let row = try catalog.showCreate(.event, TableID(database: database, table: name))
            guard let statement = row[3], !statement.isEmpty else { continue }
            let event = text.event(name: name, sqlMode: row.string(1) ?? "", timeZone: row.string(2) ?? "SYSTEM", statement: statement,
                                   client: row.string(4) ?? "utf8mb4", collation: row.string(5) ?? "utf8mb4_general_ci",
                                   previousDelimiter: delimiter)
            try layout.write(event.text)
            delimiter = event.delimiter
        }
        try layout.write("DELIMITER ;\n/*!50106 SET TIME_ZONE= @save_time_zone */ ;\n")
    }
}
