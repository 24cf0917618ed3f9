import MariaDBClient

/// Where a snapshot sits in the binary log: the file and offset, and the GTID position. The
/// one position type of the engine: the snapshot proof's, --master-data's, the manifest's.
public struct LogPosition: Equatable, Sendable, Codable {
    public var file: String
    public var position: String
    public var gtid: String

    /// The position the connection's consistent snapshot corresponds to (MariaDB's
    /// binlog_snapshot_* status, exact inside the snapshot), with the server's GTID position
    /// (exact while commits are held back). Empty file: not known (MySQL, no binary log).
    static func ofSnapshot(on connection: Connection) throws -> LogPosition {
        var position = LogPosition(file: "", position: "", gtid: "")
        for row in try connection.query("SHOW STATUS LIKE 'binlog_snapshot_%'").rows {
            if row.string(0) == "Binlog_snapshot_file" { position.file = row.string(1) ?? "" }
            if row.string(0) == "Binlog_snapshot_position" { position.position = row.string(1) ?? "" }
        }
        if connection.isMariaDB { position.gtid = try gtidPosition(on: connection) }
        return position
    }

    /// SHOW MASTER STATUS (exact under a global read lock), or nil when the binary log is off.
    static func current(on connection: Connection) throws -> LogPosition? {
        guard let row = try connection.query("SHOW MASTER STATUS").rows.first else { return nil }
        let gtid = connection.isMariaDB ? try gtidPosition(on: connection) : ""
        return LogPosition(file: row.string(0) ?? "", position: row.string(1) ?? "", gtid: gtid)
    }

    private static func gtidPosition(on connection: Connection) throws -> String {
        try connection.query("SELECT @@GLOBAL.gtid_binlog_pos").rows.first?.string(0) ?? ""
    }
}

/// How the dump's connections came to read one snapshot, and the evidence that they do.
public struct SnapshotProof: Sendable, Codable {
    /// The lock taken while the connections started their transactions.
    public var method: String
    /// How long the global lock was held, in milliseconds (0 without a lock).
    public var lockHeldMilliseconds: Double
    /// Each reading connection's position, read inside its snapshot.
    public var positions: [LogPosition]
    /// True when every position agrees (or a single connection reads everything).
    public var consistent: Bool
    /// What a reader of the manifest should know: a fallback, or why consistency is unproven.
    public var note: String
}

/// A dump on one connection (`--threads 1`), with mysqldump's consistency options:
/// `--lock-all-tables` (FLUSH TABLES WITH READ LOCK for the whole dump), `--single-transaction`
/// (one snapshot, DDL held back where the server can), `--lock-tables` (each database's
/// tables locked while it is dumped), and the position `--master-data` writes.
struct OneConnectionSnapshot {
    let connection: Connection
    private(set) var ddlBlock: DDLBlock?
    private let lockAllTables: Bool
    private let singleTransaction: Bool
    private var lockRelease = SnapshotTransaction.LockRelease()

    /// Takes the locks or the snapshot the options ask for; returns with the position when
    /// `masterData` (inside a snapshot: the snapshot's; under the read lock: SHOW MASTER STATUS).
    static func start(on connection: Connection, options: DumpOptions, report: (String) -> Void) throws -> (OneConnectionSnapshot, LogPosition?) {
        var snapshot = OneConnectionSnapshot(connection: connection, ddlBlock: nil, lockAllTables: options.lockAllTables,
                                             singleTransaction: options.singleTransaction)
        if options.lockAllTables {
            try connection.execute("FLUSH /*!40101 LOCAL */ TABLES")
            try connection.execute("FLUSH TABLES WITH READ LOCK")
        }
        if options.flushLogs { try connection.execute("FLUSH LOGS") }
        if options.singleTransaction {
            if !options.noLock && options.ddlLock {
                do {
                    snapshot.ddlBlock = try DDLBlock.take(on: connection, lockWaitTimeout: options.lockWaitTimeout)
                } catch let error as MariaDBError where error.is(.accessDenied) {
                    report("-- DDL is not held back (no privilege for BACKUP STAGE: \(error.message))")
                } catch DDLBlock.Unavailable.anotherBackup {
                    report("-- another backup holds the server's backup stage: DDL is not held back during this dump")
                }
            }
            if try !SnapshotTransaction.start(on: connection) { report(SnapshotTransaction.locksKept) }
        }
        guard options.masterData > 0 else { return (snapshot, nil) }
        var position = options.singleTransaction ? try LogPosition.ofSnapshot(on: connection) : nil
        if position?.file.isEmpty ?? true {
            guard let current = try LogPosition.current(on: connection) else { throw DumpError.noBinaryLog }
            position = current
        }
        return (snapshot, position)
    }

    /// Locks `tables` of the current database for reading (mysqldump's --lock-tables); under
    /// --force a table that cannot be locked leaves them unlocked and is reported.
    func lockTables(_ tables: [SQLName]) throws {
        let list = SQLText.joined(tables.map { "\(identifier: $0) READ /*!32311 LOCAL */" }, separator: ",")
        try connection.execute("LOCK TABLES \(sql: list)")
    }

    func unlockTables() throws {
        try connection.execute("UNLOCK TABLES")
    }

    /// A table is written: inside the snapshot, its metadata lock goes with the next few
    /// (``SnapshotTransaction``).
    mutating func tableDumped() throws {
        if singleTransaction { try lockRelease.tableRead(on: connection) }
    }

    /// Ends the transaction and the locks, and lets DDL run again.
    mutating func finish(report: (String) -> Void) throws {
        if singleTransaction { try connection.execute("COMMIT") }
        releaseDDL(report: report)
        if lockAllTables { try connection.execute("UNLOCK TABLES") }
    }

    /// Lets DDL run again (a dump that failed: its connection's transaction and locks end
    /// with the connection).
    mutating func releaseDDL(report: (String) -> Void) {
        ddlBlock?.release(report: report)
        ddlBlock = nil
    }
}
