import MariaDBClient

/// What a database holds, read from the server: the questions the dump asks before it writes.
/// Names are kept as the bytes the server sent (``SQLName``) and every query that names one
/// quotes it byte by byte (``SQLText``); definitions are read in `character_set_results =
/// binary`, as mariadb-dump reads them, so no text is converted on its way into the dump.
struct Catalog {
    let connection: Connection
    /// Answers read for a whole database in one query, then kept for each table's turn: a
    /// database of 10,000 tables costs one round trip for its columns, not 10,000.
    private let perDatabase = PerDatabaseAnswers()

    init(connection: Connection) {
        self.connection = connection
    }

    enum ObjectKind: Equatable {
        case table
        case view
        case sequence
    }

    struct Entry: Equatable {
        let name: SQLName
        let kind: ObjectKind
        /// WITH SYSTEM VERSIONING: it keeps history rows (--dump-history).
        var isVersioned = false
    }

    struct ColumnInfo: Equatable {
        let name: SQLName
        /// VIRTUAL or STORED generated: its value is computed by the server, never dumped.
        let isGenerated: Bool
        /// INVISIBLE: left out of `SELECT *`, so INSERTs need a column list.
        let isInvisible: Bool
        /// Its DEFAULT draws from a sequence (`DEFAULT NEXT VALUE FOR s`).
        let defaultUsesSequence: Bool
        /// A system-versioning period column (GENERATED ALWAYS AS ROW START / ROW END).
        var isRowPeriod = false
        /// Its type, for the period columns: BIGINT means transaction-precise history.
        var dataType = ""
    }

    /// The tables, views and sequences of `database`, in the server's order.
    func entries(of database: SQLName) throws -> [Entry] {
        // SHOW FULL TABLES calls a system-versioned table a BASE TABLE; INFORMATION_SCHEMA knows.
        let versioned = Set(try connection.query("""
            SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
            WHERE TABLE_SCHEMA = \(literal: database) AND TABLE_TYPE = 'SYSTEM VERSIONED'
            """).rows.compactMap { $0.name(0) })
        return try connection.query("SHOW FULL TABLES FROM \(identifier: database)").rows.compactMap { row in
            guard let name = row.name(0) else { return nil }
            let kind: ObjectKind = switch row.string(1) {
            case "VIEW": .view
            case "SEQUENCE": .sequence
            default: .table
            }
            return Entry(name: name, kind: kind, isVersioned: versioned.contains(name))
        }
    }

    /// The names of the tables and sequences of `database` (no views): what a restore may
    /// have to drop before it re-creates them.
    func tables(in database: SQLName) throws -> [SQLName] {
        try connection.query("""
            SELECT TABLE_NAME FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = \(literal: database) AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE', 'SYSTEM VERSIONED')
            """).rows.compactMap { $0.name(0) }
    }

    /// Whether `database` holds no table, view or sequence (or does not exist).
    func holdsNothing(_ database: SQLName) throws -> Bool {
        try connection.query("""
            SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = \(literal: database)
            """).rows.first?.string(0) == "0"
    }

    /// Every database's name, in the server's order.
    func databases() throws -> [SQLName] {
        try connection.query("SHOW DATABASES").rows.compactMap { $0.name(0) }
    }

    /// The columns of a table in their order: read for its whole database at the first table
    /// asked about (a table made since, with --skip-ddl-lock, is read on its own).
    func columns(of table: TableID) throws -> [ColumnInfo] {
        if perDatabase.columns[table.database] == nil {
            var byTable: [SQLName: [ColumnInfo]] = [:]
            for (name, column) in try readColumns(where: "TABLE_SCHEMA = \(literal: table.database)") { byTable[name, default: []].append(column) }
            perDatabase.columns[table.database] = byTable
        }
        if let columns = perDatabase.columns[table.database]?[table.table] { return columns }
        return try readColumns(where: "TABLE_SCHEMA = \(literal: table.database) AND TABLE_NAME = \(literal: table.table)").map(\.column)
    }

    private func readColumns(where condition: SQLText) throws -> [(table: SQLName, column: ColumnInfo)] {
        try connection.query("""
            SELECT TABLE_NAME, COLUMN_NAME, EXTRA, COLUMN_DEFAULT, GENERATION_EXPRESSION, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS \
            WHERE \(sql: condition) ORDER BY TABLE_NAME, ORDINAL_POSITION
            """).rows.compactMap { row in
            guard let table = row.name(0), let name = row.name(1) else { return nil }
            let extra = row.string(2) ?? ""
            let generation = row.string(4) ?? ""
            return (table, ColumnInfo(name: name, isGenerated: extra.contains("GENERATED"), isInvisible: extra.contains("INVISIBLE"),
                                      defaultUsesSequence: (row.string(3) ?? "").lowercased().contains("nextval("),
                                      isRowPeriod: generation == "ROW START" || generation == "ROW END", dataType: row.string(5) ?? ""))
        }
    }

    /// The storage engine of each table (absent for views).
    func engines(in database: SQLName) throws -> [SQLName: String] {
        var engines: [SQLName: String] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, ENGINE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(literal: database)
            """).rows {
            if let name = row.name(0), let engine = row.string(1) { engines[name] = engine }
        }
        return engines
    }

    /// The server's estimate of each table's size: data bytes and rows (InnoDB's are sampled).
    func tableSizes(in database: SQLName) throws -> [SQLName: (bytes: UInt64, rows: UInt64)] {
        var sizes: [SQLName: (bytes: UInt64, rows: UInt64)] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, DATA_LENGTH, TABLE_ROWS FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(literal: database)
            """).rows {
            if let name = row.name(0) { sizes[name] = (UInt64(row.string(1) ?? "") ?? 0, UInt64(row.string(2) ?? "") ?? 0) }
        }
        return sizes
    }

    /// The key a table can be cut into ranges by: the primary key, else the first unique key
    /// whose columns are all NOT NULL (so every row has exactly one place), with its index's
    /// name. Nil without one.
    func chunkKey(of table: TableID) throws -> (index: SQLName, columns: [SQLName])? {
        let rows = try connection.query("""
            SELECT INDEX_NAME, COLUMN_NAME, NULLABLE FROM INFORMATION_SCHEMA.STATISTICS \
            WHERE TABLE_SCHEMA = \(literal: table.database) AND TABLE_NAME = \(literal: table.table) AND NON_UNIQUE = 0 \
            ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX
            """).rows
        var keys: [(name: SQLName, columns: [SQLName], nullable: Bool)] = []
        for row in rows {
            let name = row.name(0) ?? ""
            if keys.last?.name != name { keys.append((name, [], false)) }
            keys[keys.count - 1].columns.append(row.name(1) ?? "")
            if row.string(2) == "YES" { keys[keys.count - 1].nullable = true }
        }
        return keys.first { !$0.nullable }.map { ($0.name, $0.columns) }
    }

    /// The smallest and largest value of `column` among the rows `condition` selects (index
    /// lookups when it fixes the key's columns before `column`); nil when it selects none.
    func bounds(of column: SQLName, in table: TableID, where condition: SQLText?) throws -> (low: [UInt8], high: [UInt8])? {
        var query: SQLText = "SELECT MIN(\(identifier: column)), MAX(\(identifier: column)) FROM \(qualified: table)"
        if let condition { query += " WHERE \(sql: condition)" }
        let row = try connection.query(query).rows.first
        guard let low = row?[0], let high = row?[1] else { return nil }
        return (low, high)
    }

    /// The first value of `column` in key order among the rows `condition` selects: one index dive.
    func firstValue(of column: SQLName, in table: TableID, where condition: SQLText) throws -> [UInt8]? {
        try connection.query("""
            SELECT \(identifier: column) FROM \(qualified: table) WHERE \(sql: condition) ORDER BY \(identifier: column) LIMIT 1
            """).rows.first?[0]
    }

    /// The optimizer's estimate of the rows `condition` selects through `index`: a few index
    /// dives, never a scan (InnoDB's records_in_range; rough, but alike for alike ranges).
    func estimatedRows(in table: TableID, index: SQLName, where condition: SQLText?) throws -> Double {
        var query: SQLText = "EXPLAIN SELECT 1 FROM \(qualified: table) FORCE INDEX (\(identifier: index))"
        if let condition { query += " WHERE \(sql: condition)" }
        let result = try connection.query(query)
        guard let column = result.columnIndex("rows"), let row = result.rows.first else { return 0 }
        return Double(row.string(column) ?? "") ?? 0
    }

    /// The kinds `SHOW CREATE` takes.
    enum Definition: String {
        case table = "TABLE", view = "VIEW", sequence = "SEQUENCE", function = "FUNCTION", procedure = "PROCEDURE"
        case package = "PACKAGE", packageBody = "PACKAGE BODY", event = "EVENT", trigger = "TRIGGER"
    }

    /// The row of `SHOW CREATE <what>` for one object, its definition unconverted.
    func showCreate(_ what: Definition, _ object: TableID) throws -> ResultRow {
        try binaryResults {
            guard let row = try connection.query("SHOW CREATE \(sql: SQLText(verbatim: what.rawValue)) \(qualified: object)").rows.first else {
                throw DumpError.missingObject("\(what.rawValue.lowercased()) \(object)")
            }
            return row
        }
    }

    /// `SHOW CREATE DATABASE`'s statement.
    func createDatabase(_ database: SQLName) throws -> [UInt8] {
        try binaryResults {
            guard let statement = try connection.query("SHOW CREATE DATABASE \(identifier: database)").rows.first?[1] else {
                throw DumpError.missingObject("database \(database.quoted)")
            }
            return statement
        }
    }

    /// The triggers on a table in the server's order (by event, then ACTION_ORDER, which a
    /// restore recreates by creating them in this order), each as its `SHOW CREATE TRIGGER` row
    /// (name, sql_mode, statement, character_set_client, collation_connection, db collation).
    ///
    /// The names are read for the whole database at the first table asked about (each table's
    /// in the server's order); a table without triggers costs no round trip.
    func triggers(on table: TableID) throws -> [ResultRow] {
        if perDatabase.triggers[table.database] == nil {
            var byTable: [SQLName: [SQLName]] = [:]
            for row in try connection.query("""
                SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM INFORMATION_SCHEMA.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = \(literal: table.database)
                """).rows {
                if let on = row.name(0), let name = row.name(1) { byTable[on, default: []].append(name) }
            }
            perDatabase.triggers[table.database] = byTable
        }
        let names = perDatabase.triggers[table.database]?[table.table] ?? []
        guard !names.isEmpty else { return [] }
        return try binaryResults {
            try names.compactMap { name in
                try connection.query("SHOW CREATE TRIGGER \(qualified: TableID(database: table.database, table: name))").rows.first
            }
        }
    }

    /// The columns of the table's first key if it is unique (PRIMARY comes first), for
    /// `--order-by-primary`, as mariadb-dump picks them.
    func uniqueKeyColumns(of table: TableID) throws -> [SQLName] {
        let rows = try connection.query("SHOW KEYS FROM \(qualified: table)").rows
        guard let first = rows.first, first.string(1) == "0" else { return [] }
        let keyName = first.name(2)
        return rows.prefix { $0.name(2) == keyName }.compactMap { $0.name(4) }
    }

    /// The names of the routines of one kind (FUNCTION, PROCEDURE, PACKAGE, PACKAGE BODY).
    func routineNames(_ kind: Definition, in database: SQLName) throws -> [SQLName] {
        try connection.query("SHOW \(sql: SQLText(verbatim: kind.rawValue)) STATUS WHERE Db = \(literal: database)").rows.compactMap { $0.name(1) }
    }

    func eventNames(in database: SQLName) throws -> [SQLName] {
        try connection.query("SHOW EVENTS FROM \(identifier: database)").rows.compactMap { $0.name(1) }
    }

    /// A foreign key: `table` references `referenced`.
    struct ForeignKey: Hashable {
        let table: TableID
        let name: SQLName
        let referenced: TableID

        var isSelfReference: Bool { table == referenced }
    }

    /// Each view's definition, with its references qualified by database (`db`.`name`).
    func viewDefinitions(in database: SQLName) throws -> [SQLName: [UInt8]] {
        var definitions: [SQLName: [UInt8]] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, VIEW_DEFINITION FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = \(literal: database)
            """).rows {
            if let name = row.name(0) { definitions[name] = row[1] ?? [] }
        }
        return definitions
    }

    /// The foreign keys declared by the tables of `database`.
    func foreignKeys(in database: SQLName) throws -> [ForeignKey] {
        try connection.query("""
            SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME \
            FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = \(literal: database)
            """).rows.map { row in
            ForeignKey(table: TableID(database: row.name(0) ?? "", table: row.name(1) ?? ""), name: row.name(2) ?? "",
                       referenced: TableID(database: row.name(3) ?? "", table: row.name(4) ?? ""))
        }
    }

    /// The next value a sequence would hand out without its cache (`next_not_cached_value`).
    func sequenceNextValue(_ sequence: TableID) throws -> String? {
        try connection.query("SELECT next_not_cached_value FROM \(qualified: sequence)").rows.first?.string(0)
    }

    /// Runs `body` with `character_set_results = binary`, so definitions arrive unconverted.
    private func binaryResults<Value>(_ body: () throws -> Value) throws -> Value {
        try connection.execute("SET SESSION character_set_results = binary")
        let result = Swift.Result { try body() }
        try connection.execute("SET SESSION character_set_results = @@character_set_client")
        return try result.get()
    }
}

/// What ``Catalog`` read per database: a class, so every copy of a catalog shares it.
private final class PerDatabaseAnswers {
    var columns: [SQLName: [SQLName: [Catalog.ColumnInfo]]] = [:]
    var triggers: [SQLName: [SQLName: [SQLName]]] = [:]
}

@available(*, unavailable, message: "a Catalog asks its questions on the connection of the thread that made it")
extension Catalog: Sendable {}
