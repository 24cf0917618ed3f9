/// The tables a dump treats apart, as mariadb-dump 10.11 does: the server's own tables in
/// `mysql`, and engines whose rows are not the table's or not under a snapshot.
enum TablePolicy {
    /// Engines whose tables hold no rows of their own: their data is never read.
    static let datalessEngines: Set<String> = ["MRG_MYISAM", "MRG_MyISAM", "FEDERATED", "BLACKHOLE"]
    /// Engines whose rows a consistent snapshot protects.
    static let transactionalEngines: Set<String> = ["InnoDB", "ROCKSDB", "TokuDB", "SEQUENCE"]

    private static let mysql: SQLName = "mysql"

    /// The server's own schema: its tables hold the accounts, routines and events.
    static func isSystemDatabase(_ database: SQLName) -> Bool { database.asciiLowercased == mysql }

    /// The schemas --all-databases leaves out: views of the server's state, not data.
    static func isLeftOutOfAllDatabases(_ database: SQLName) -> Bool {
        ["information_schema", "performance_schema", "sys"].contains(database.asciiLowercased)
    }

    /// mysql.general_log, slow_log and transaction_registry: the server writes them; a restore
    /// must neither drop nor fill them, only make sure they exist (as mariadb-dump does).
    /// LOCK TABLES refuses them (error 1556).
    static func isLogTable(_ table: SQLName, in database: SQLName) -> Bool {
        isSystemDatabase(database) && ["general_log", "slow_log", "transaction_registry"].contains(table.asciiLowercased)
    }

    /// general_log and slow_log, which mariadb-dump writes before the other tables of mysql.
    static func isWrittenFirst(_ table: SQLName, in database: SQLName) -> Bool {
        isSystemDatabase(database) && ["general_log", "slow_log"].contains(table.asciiLowercased)
    }

    /// mysql tables whose rows mariadb-dump leaves out: the InnoDB statistics (the server
    /// recomputes them) and, without --events, the events table.
    static func skipsData(_ table: SQLName, in database: SQLName, events: Bool) -> Bool {
        guard isSystemDatabase(database) else { return false }
        let name = table.asciiLowercased
        return name == "innodb_index_stats" || name == "innodb_table_stats" || (name == "event" && !events)
    }
}
