import MariaDBClient

/// What a database holds, read from the server: the questions the dump asks before it writes.
/// Names and definitions are read as bytes in `character_set_results = binary`, as
/// mariadb-dump reads them, so no text is converted on its way into the dump.
struct Catalog {
    let connection: Connection

    enum ObjectKind: Equatable {
        case table
        case view
        case sequence
    }

    struct Entry: Equatable {
        let name: String
        let kind: ObjectKind
        /// WITH SYSTEM VERSIONING: it keeps history rows (--dump-history).
        var isVersioned = false
    }

    struct ColumnInfo: Equatable {
        let name: String
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
    func entries(of database: String) throws -> [Entry] {
        // SHOW FULL TABLES calls a system-versioned table a BASE TABLE; INFORMATION_SCHEMA knows.
        let versioned = Set(try connection.query("""
            SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES \
            WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database)) AND TABLE_TYPE = 'SYSTEM VERSIONED'
            """).rows.compactMap { $0.string(0) })
        return try connection.query("SHOW FULL TABLES FROM \(SQLQuoting.identifier(database))").rows.map { row in
            let kind: ObjectKind = switch row.string(1) {
            case "VIEW": .view
            case "SEQUENCE": .sequence
            default: .table
            }
            let name = row.string(0) ?? ""
            return Entry(name: name, kind: kind, isVersioned: versioned.contains(name))
        }
    }

    /// Every database's name, in the server's order.
    func databases() throws -> [String] {
        try connection.query("SHOW DATABASES").rows.compactMap { $0.string(0) }
    }

    /// The columns of a table in their order.
    func columns(of table: String, in database: String) throws -> [ColumnInfo] {
        try connection.query("""
            SELECT COLUMN_NAME, EXTRA, COLUMN_DEFAULT, GENERATION_EXPRESSION, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS \
            WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database)) AND TABLE_NAME = \(SQLQuoting.literal(table)) \
            ORDER BY ORDINAL_POSITION
            """).rows.map { row in
            let extra = row.string(1) ?? ""
            let generation = row.string(3) ?? ""
            return ColumnInfo(name: row.string(0) ?? "", isGenerated: extra.contains("GENERATED"), isInvisible: extra.contains("INVISIBLE"),
                              defaultUsesSequence: (row.string(2) ?? "").lowercased().contains("nextval("),
                              isRowPeriod: generation == "ROW START" || generation == "ROW END", dataType: row.string(4) ?? "")
        }
    }

    /// The storage engine of each table (absent for views).
    func engines(in database: String) throws -> [String: String] {
        var engines: [String: String] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, ENGINE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database))
            """).rows {
            if let name = row.string(0), let engine = row.string(1) { engines[name] = engine }
        }
        return engines
    }

    /// The server's estimate of each table's size: data bytes and rows (InnoDB's are sampled).
    func tableSizes(in database: String) throws -> [String: (bytes: UInt64, rows: UInt64)] {
        var sizes: [String: (bytes: UInt64, rows: UInt64)] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, DATA_LENGTH, TABLE_ROWS FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database))
            """).rows {
            if let name = row.string(0) { sizes[name] = (UInt64(row.string(1) ?? "") ?? 0, UInt64(row.string(2) ?? "") ?? 0) }
        }
        return sizes
    }

    /// The key a table can be cut into ranges by: the primary key, else the first unique key
    /// whose columns are all NOT NULL (so every row has exactly one place). Nil without one.
    func chunkKey(of table: String, in database: String) throws -> [String]? {
        let rows = try connection.query("""
            SELECT INDEX_NAME, COLUMN_NAME, NULLABLE FROM INFORMATION_SCHEMA.STATISTICS \
            WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database)) AND TABLE_NAME = \(SQLQuoting.literal(table)) AND NON_UNIQUE = 0 \
            ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX
            """).rows
        var keys: [(name: String, columns: [String], nullable: Bool)] = []
        for row in rows {
            let name = row.string(0) ?? ""
            if keys.last?.name != name { keys.append((name, [], false)) }
            keys[keys.count - 1].columns.append(row.string(1) ?? "")
            if row.string(2) == "YES" { keys[keys.count - 1].nullable = true }
        }
        return keys.first { !$0.nullable }?.columns
    }

    /// The row of `SHOW CREATE <what>` (TABLE, VIEW, SEQUENCE, FUNCTION, PROCEDURE, PACKAGE,
    /// PACKAGE BODY, EVENT) for one object, its definition unconverted.
    func showCreate(_ what: String, _ name: String, in database: String) throws -> ResultRow {
        try binaryResults {
            let qualified = "\(SQLQuoting.identifier(database)).\(SQLQuoting.identifier(name))"
            guard let row = try connection.query("SHOW CREATE \(what) \(qualified)").rows.first else {
                throw DumpError.missingObject("\(what.lowercased()) \(qualified)")
            }
            return row
        }
    }

    /// `SHOW CREATE DATABASE`'s statement.
    func createDatabase(_ database: String) throws -> [UInt8] {
        try binaryResults {
            guard let statement = try connection.query("SHOW CREATE DATABASE \(SQLQuoting.identifier(database))").rows.first?[1] else {
                throw DumpError.missingObject("database \(SQLQuoting.identifier(database))")
            }
            return statement
        }
    }

    /// The triggers on a table in the server's order (by event, then ACTION_ORDER, which a
    /// restore recreates by creating them in this order), each as its `SHOW CREATE TRIGGER` row
    /// (name, sql_mode, statement, character_set_client, collation_connection, db collation).
    func triggers(on table: String, in database: String) throws -> [ResultRow] {
        try binaryResults {
            let names = try connection.query("""
                SELECT TRIGGER_NAME FROM INFORMATION_SCHEMA.TRIGGERS \
                WHERE EVENT_OBJECT_SCHEMA = \(SQLQuoting.literal(database)) AND EVENT_OBJECT_TABLE = \(SQLQuoting.literal(table))
                """).rows.compactMap { $0.string(0) }
            return try names.compactMap { name in
                try connection.query("SHOW CREATE TRIGGER \(SQLQuoting.identifier(database)).\(SQLQuoting.identifier(name))").rows.first
            }
        }
    }

    /// The columns of the table's first key if it is unique (PRIMARY comes first), for
    /// `--order-by-primary`, as mariadb-dump picks them.
    func uniqueKeyColumns(of table: String, in database: String) throws -> [String] {
        let rows = try connection.query("SHOW KEYS FROM \(SQLQuoting.identifier(database)).\(SQLQuoting.identifier(table))").rows
        guard let first = rows.first, first.string(1) == "0" else { return [] }
        let keyName = first.string(2)
        return rows.prefix { $0.string(2) == keyName }.compactMap { $0.string(4) }
    }

    /// The names of the routines of one kind (FUNCTION, PROCEDURE, PACKAGE, PACKAGE BODY).
    func routineNames(_ kind: String, in database: String) throws -> [String] {
        try connection.query("SHOW \(kind) STATUS WHERE Db = \(SQLQuoting.literal(database))").rows.compactMap { $0.string(1) }
    }

    func eventNames(in database: String) throws -> [String] {
        try connection.query("SHOW EVENTS FROM \(SQLQuoting.identifier(database))").rows.compactMap { $0.string(1) }
    }

    /// A foreign key: `table` in `database` references `referencedTable` in `referencedDatabase`.
    struct ForeignKey: Hashable {
        let database: String
        let table: String
        let name: String
        let referencedDatabase: String
        let referencedTable: String

        var isSelfReference: Bool { database == referencedDatabase && table == referencedTable }
    }

    /// Each view's definition, with its references qualified by database (`db`.`name`).
    func viewDefinitions(in database: String) throws -> [String: String] {
        var definitions: [String: String] = [:]
        for row in try connection.query("""
            SELECT TABLE_NAME, VIEW_DEFINITION FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = \(SQLQuoting.literal(database))
            """).rows {
            if let name = row.string(0) { definitions[name] = row.string(1) ?? "" }
        }
        return definitions
    }

    /// The foreign keys declared by the tables of `database`.
    func foreignKeys(in database: String) throws -> [ForeignKey] {
        try connection.query("""
            SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME \
            FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = \(SQLQuoting.literal(database))
            """).rows.map { row in
            ForeignKey(database: row.string(0) ?? "", table: row.string(1) ?? "", name: row.string(2) ?? "",
                       referencedDatabase: row.string(3) ?? "", referencedTable: row.string(4) ?? "")
        }
    }

    /// The next value a sequence would hand out without its cache (`next_not_cached_value`).
    func sequenceNextValue(_ sequence: String, in database: String) throws -> String? {
        try connection.query("SELECT next_not_cached_value FROM \(SQLQuoting.identifier(database)).\(SQLQuoting.identifier(sequence))").rows.first?.string(0)
    }

    /// Runs `body` with `character_set_results = binary`, so definitions arrive unconverted.
    private func binaryResults<Value>(_ body: () throws -> Value) throws -> Value {
        try connection.execute("SET SESSION character_set_results = binary")
        let result = Swift.Result { try body() }
        try connection.execute("SET SESSION character_set_results = @@character_set_client")
        return try result.get()
    }
}

/// A failure of the dump itself (as opposed to the server's or the output's).
public enum DumpError: Error, CustomStringConvertible {
    case missingObject(String)
    case illegalTable(database: String, table: String, reason: String? = nil)
    case usage(String)

    public var description: String {
        switch self {
        case .missingObject(let what): "the server returned nothing for \(what)"
        case .illegalTable(let database, let table, let reason): reason ?? "Couldn't find table: \"\(table)\" in database \"\(database)\""
        case .usage(let message): message
        }
    }
}
