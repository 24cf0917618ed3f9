import MariaDBClient

/// What a restored database is compared by: for each table, its definition and an
/// order-independent fingerprint of every row, invisible and generated columns included.
public struct DatabaseFingerprint: Equatable, CustomStringConvertible {
    public struct Table: Equatable {
        public let name: String
        public let createStatement: String
        public let rowCount: String
        /// Sums of the two halves of each row's MD5: equal multisets of rows give equal sums.
        public let hashSums: String
    }

    public let tables: [Table]
    /// Views, triggers, routines and events by name.
    public let objects: [String]

    public var description: String {
        tables.map { "\($0.name): \($0.rowCount) rows, \($0.hashSums)" }.joined(separator: "\n") + "\nobjects: \(objects)"
    }

    /// Reads the fingerprint of `database` over `connection`.
    public static func of(_ database: String, connection: Connection) throws -> DatabaseFingerprint {
        let quotedDatabase = SQLTestText.identifier(database)
        func quote(_ name: String) -> String { SQLTestText.identifier(name) }
        func literal(_ text: String) -> String { SQLTestText.literal(text) }

        let names = try connection.query("""
            SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(literal(database)) \
            AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME
            """).rows.compactMap { $0.string(0) }
        var tables: [Table] = []
        for name in names {
            // System-versioning period columns hold the time a row version was written: a restore
            // without --dump-history stamps new ones (HistoryTests compare them with history).
            let columns = try connection.query("""
                SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = \(literal(database)) \
                AND TABLE_NAME = \(literal(name)) AND IFNULL(GENERATION_EXPRESSION, '') NOT IN ('ROW START', 'ROW END') \
                ORDER BY ORDINAL_POSITION
                """).rows.compactMap { $0.string(0) }
            let values = columns.map { "IFNULL(HEX(CAST(\(quote($0)) AS BINARY)), 'N')" }.joined(separator: ", ")
            let sums = try connection.query("""
                SELECT COUNT(*), CONCAT(IFNULL(SUM(CAST(CONV(SUBSTR(h, 1, 16), 16, 10) AS UNSIGNED)), 0), '/', \
                IFNULL(SUM(CAST(CONV(SUBSTR(h, 17, 16), 16, 10) AS UNSIGNED)), 0)) \
                FROM (SELECT MD5(CONCAT_WS('|', \(values))) AS h FROM \(quotedDatabase).\(quote(name))) AS rows_hashed
                """).rows[0]
            // A DEFAULT's sequence is named with its database: compared with that name taken out.
            let create = SQLTestText.replacing(quotedDatabase + ".", with: "`DB`.",
                                               in: try connection.query("SHOW CREATE TABLE \(quotedDatabase).\(quote(name))").rows[0].string(1) ?? "")
            tables.append(Table(name: name, createStatement: create, rowCount: sums.string(0) ?? "", hashSums: sums.string(1) ?? ""))
        }
        // Definitions name their database (`db`.`t`): compared with that name taken out.
        func rows(_ sql: String) throws -> [String] {
            try connection.query(sql).rows.map { row in
                SQLTestText.replacing(quote(database) + ".", with: "`DB`.",
                                      in: (0..<row.values.count).map { row.string($0) ?? "NULL" }.joined(separator: " | "))
            }
        }
        let schema = literal(database)
        var objects: [String] = []
        objects += try rows("""
            SELECT CONCAT('view ', TABLE_NAME), VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ALGORITHM, DEFINER, \
            CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = \(schema) ORDER BY 1
            """)
        objects += try rows("""
            SELECT CONCAT('trigger ', TRIGGER_NAME), EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, \
            ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION \
            FROM INFORMATION_SCHEMA.TRIGGERS WHERE TRIGGER_SCHEMA = \(schema) ORDER BY 1
            """)
        objects += try rows("""
            SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME), ROUTINE_DEFINITION, SQL_MODE, IS_DETERMINISTIC, SQL_DATA_ACCESS, \
            SECURITY_TYPE, DEFINER, ROUTINE_COMMENT FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_SCHEMA = \(schema) ORDER BY 1
            """)
        objects += try rows("""
            SELECT CONCAT('event ', EVENT_NAME), EVENT_DEFINITION, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, \
            SQL_MODE, STARTS, ENDS, STATUS, ON_COMPLETION, EVENT_COMMENT, DEFINER, TIME_ZONE \
            FROM INFORMATION_SCHEMA.EVENTS WHERE EVENT_SCHEMA = \(schema) ORDER BY 1
            """)
        for sequence in try connection.query("""
            SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = \(schema) AND TABLE_TYPE = 'SEQUENCE' ORDER BY 1
            """).rows.compactMap({ $0.string(0) }) {
            let create = try connection.query("SHOW CREATE SEQUENCE \(quotedDatabase).\(quote(sequence))").rows[0].string(1) ?? ""
            let state = try rows("SELECT next_not_cached_value, cycle_count FROM \(quotedDatabase).\(quote(sequence))")
            objects.append("sequence \(sequence) | \(create) | \(state.joined())")
        }
        return DatabaseFingerprint(tables: tables, objects: objects)
    }
}
