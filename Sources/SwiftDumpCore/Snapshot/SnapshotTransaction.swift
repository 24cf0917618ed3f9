import MariaDBClient

/// The transaction a dump reads in: REPEATABLE READ, WITH CONSISTENT SNAPSHOT, and a savepoint
/// at its start that lets go of the tables' metadata locks as the dump goes.
///
/// Each table a transaction reads leaves a metadata lock held until the transaction ends, and
/// the server looks up every lock it is asked for in the list of those the connection holds.
/// At 100,000 tables each reading connection came to hold 50,000, and every SELECT sat in
/// "Opening tables" with the server's two cores busy: quadratic (13 minutes for 94,000 tables,
/// against 24 s for the same statements outside a transaction). ROLLBACK TO SAVEPOINT releases
/// the locks taken since the savepoint and keeps the snapshot, as mysqldump does after each
/// table. Where DDL is held back (BACKUP STAGE BLOCK_DDL) the locks protect nothing more;
/// without it, a table read to the end may then be altered, as under mysqldump.
///
/// With the binary log on, MariaDB keeps the locks through ROLLBACK TO SAVEPOINT (the SAVEPOINT
/// itself went to the session's binlog cache) unless the session does not log: the reading
/// sessions, which write nothing, turn `sql_log_bin` off where the account may (BINLOG ADMIN
/// or SUPER); where it may not, the locks stay until the end, as before.
enum SnapshotTransaction {
    static let savepoint: SQLText = "swiftdump_snapshot"

    /// What -v says when the locks stay to the end.
    static let locksKept = "-- the binary log is on and this account may not set sql_log_bin: each reading connection keeps every table's metadata lock until it ends (slower past tens of thousands of tables)"

    /// Starts the snapshot on `connection` and marks its start. False when the locks will stay
    /// to the end: the binary log is on and the account may not turn `sql_log_bin` off.
    static func start(on connection: Connection) throws -> Bool {
        var releasesLocks = true
        do {
            try connection.execute("SET SESSION sql_log_bin = 0")
        } catch is MariaDBError {
            releasesLocks = (try? connection.query("SELECT @@GLOBAL.log_bin").rows.first?.string(0)) != "1"
        }
        try connection.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        try connection.execute("START TRANSACTION /*!40100 WITH CONSISTENT SNAPSHOT */")
        try connection.execute("SAVEPOINT \(sql: savepoint)")
        return releasesLocks
    }

    /// Counts the tables one connection has read in its snapshot, and releases their metadata
    /// locks every ``interval``: a short list to search, and one statement per that many tables.
    struct LockRelease {
        static let interval = 64
        private var reads = 0

        mutating func tableRead(on connection: Connection) throws {
            reads += 1
            guard reads == Self.interval else { return }
            reads = 0
            try connection.execute("ROLLBACK TO SAVEPOINT \(sql: SnapshotTransaction.savepoint)")
        }
    }
}
