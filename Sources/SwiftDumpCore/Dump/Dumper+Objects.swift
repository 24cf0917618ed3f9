/// The dump's objects besides tables and their rows: sequences, triggers, views, routines,
/// events and the foreign keys added after the data, each written as mariadb-dump writes it.
extension Dumper {
    /// Views come after every database's tables, so a view may use a table of any of them, and
    /// each after the views it selects from. In mariadb-dump's order every database gets its USE
    /// again once there are any views; in dependency order a USE comes where the database changes.
    func dumpViews() throws {
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
    func dumpEventsLast() throws {
        guard options.events && options.order == .dependencies else { return }
        for database in plan.databases.map(\.name) {
            try enterForObjects(database)
            try dumpEvents(in: database)
        }
    }

    /// Switches to `database` for the views or events that follow: in the output (its USE,
    /// in a stream of several databases; a directory's objects file writes its own) and on the
    /// main connection, which reads their definitions.
    func enterForObjects(_ database: SQLName) throws {
        try layout.enter(.objects(database: database))
        if case .tables = options.scope {} else if layout.isSingleStream {
            try layout.write(text.databasePreamble(database, createStatement: nil))
        }
        try connection.selectDatabase(database)
    }

    /// The foreign keys left out of CREATE TABLE, added once every table holds its data.
    func writeDeferredForeignKeys() throws {
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


    func dumpSequence(_ sequence: TableID) throws {
        guard !options.noCreateInfo else { return }
        try layout.enter(.structure(sequence))
        let create = try catalog.showCreate(.sequence, sequence)
        let next = try catalog.sequenceNextValue(sequence)
        try layout.write(text.sequence(sequence.table, createStatement: create[1] ?? [], nextValue: next))
    }

    func dumpTriggers(on table: TableID) throws {
        for row in try catalog.triggers(on: table) {
            try layout.write(text.trigger(
                name: row.name(0) ?? "", sqlMode: row.string(1) ?? "", statement: row[2] ?? [],
                client: row.string(3) ?? "utf8mb4", collation: row.string(4) ?? "utf8mb4_general_ci"))
        }
    }

    func dumpView(_ view: TableID) throws {
        let row = try catalog.showCreate(.view, view)
        try layout.write(text.view(view.table, createStatement: row[1] ?? [], client: row.string(2) ?? "utf8mb4", collation: row.string(3) ?? "utf8mb4_general_ci"))
    }

    func dumpRoutines(in database: SQLName) throws {
        try layout.write(text.comment("\n--\n-- Dumping routines for database '\(sql: SQLText(bytes: SQLText.forComment(database.bytes)))'\n--\n"))
        for kind in [Catalog.Definition.function, .procedure, .package, .packageBody] {
            for name in try catalog.routineNames(kind, in: database) {
                let row = try catalog.showCreate(kind, TableID(database: database, table: name))
                guard let statement = row[2], !statement.isEmpty else {
                    throw DumpError.missingPrivilege("insufficient privileges to SHOW CREATE \(kind.rawValue) \(name.quoted)")
                }
                try layout.write(text.routine(kind: kind, name: name, sqlMode: row.string(1) ?? "", statement: statement,
                                              client: row.string(3) ?? "utf8mb4", collation: row.string(4) ?? "utf8mb4_general_ci"))
            }
        }
    }

    func dumpEvents(in database: SQLName) throws {
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
