import MariaDBClient

/// DDL held back while the dump reads (MariaDB ≥ 10.4): `BACKUP STAGE START` and
/// `BACKUP STAGE BLOCK_DDL` on one connection until ``release(report:)``.
///
/// In a snapshot of several connections BLOCK_DDL comes *after* the brief FLUSH TABLES WITH
/// READ LOCK is granted: an ALTER TABLE already copying rows takes its last lock after
/// BLOCK_DDL, so FLUSH TABLES WITH READ LOCK requested under BLOCK_DDL would wait for that
/// ALTER while it waits for BLOCK_DDL — a cycle through the dump's own two connections that the
/// server cannot see. Requested first, the read lock simply waits for the ALTER to finish.
///
/// A DDL statement then waits on the backup lock *before* it asks for its table's metadata
/// lock, so no ALTER, RENAME, DROP, TRUNCATE or CREATE INDEX sits in a table's lock queue
/// where it would hold up the application's reads and writes of that table, or wait for a
/// metadata lock one of the dump's own transactions holds while another of its connections
/// waits behind the DDL (which the server cannot see as a deadlock). Reads, writes and commits
/// go on; the DDL runs once the last table is read.
struct DDLBlock {
    private let connection: Connection
    private var since: ContinuousClock.Instant?

    /// How long to wait for another backup's `BACKUP STAGE` (another dump, mariabackup) to end
    /// before going on without holding DDL back: only one connection of the server can be in
    /// a backup stage, and one dump must not wait for another to finish.
    static let busyWait = 2

    /// Why DDL is not held back, when it is not (said under -v and in the manifest).
    enum Unavailable: Error {
        case anotherBackup
    }

    /// `BACKUP STAGE START` on `connection`, or nil where the server has no backup stages
    /// (MySQL, MariaDB < 10.4). Throws ``Unavailable/anotherBackup`` when another connection
    /// holds a backup stage, and the server's error (a missing RELOAD privilege) for the
    /// caller to decide. START blocks nothing the application does.
    static func begin(on connection: Connection, lockWaitTimeout: Int) throws -> DDLBlock? {
        guard connection.isMariaDB && connection.serverVersion >= 100400 else { return nil }
        try connection.execute("SET SESSION lock_wait_timeout = \(min(busyWait, lockWaitTimeout))" as SQLText)
        defer { _ = try? connection.execute("SET SESSION lock_wait_timeout = \(lockWaitTimeout)" as SQLText) }
        do {
            try connection.execute("BACKUP STAGE START")
        } catch let error as MariaDBError where error.is(.lockWaitTimeout) {
            throw Unavailable.anotherBackup
        }
        return DDLBlock(connection: connection, since: nil)
    }

    /// `BACKUP STAGE BLOCK_DDL`: from now until ``release(report:)`` DDL waits. Waits at most
    /// the session's lock_wait_timeout for DDL that is running, then throws
    /// ``DumpError/lockTimeout(_:)`` naming it.
    mutating func holdDDL(lockWaitTimeout: Int) throws {
        do {
            try connection.execute("BACKUP STAGE BLOCK_DDL")
            since = .now
        } catch let error as MariaDBError {
            _ = try? connection.execute("BACKUP STAGE END")
            if error.is(.lockWaitTimeout) {
                throw DumpError.lockTimeout("could not hold back DDL (BACKUP STAGE BLOCK_DDL) within --lock-wait-timeout=\(lockWaitTimeout) s: "
                                            + LockDiagnosis.describe(on: connection))
            }
            throw error
        }
    }

    /// Both steps at once, for a dump on one connection (no commit block in between).
    static func take(on connection: Connection, lockWaitTimeout: Int) throws -> DDLBlock? {
        guard var block = try begin(on: connection, lockWaitTimeout: lockWaitTimeout) else { return nil }
        try block.holdDDL(lockWaitTimeout: lockWaitTimeout)
        return block
    }

    /// Ends the backup stage: DDL runs again. Says under -v how long it was held back and how
    /// many statements waited meanwhile.
    func release(report: (String) -> Void) {
        let waiting = (try? connection.query("""
            SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for backup lock'
            """).rows.first?.string(0)).flatMap { $0 } ?? "0"
        _ = try? connection.execute("BACKUP STAGE END")
        guard let since else { return }
        let held = ContinuousClock.now - since
        let seconds = Double(held.components.seconds) + Double(held.components.attoseconds) / 1e18
        report("-- DDL held back for \(String(format: "%.2f", seconds)) s (BACKUP STAGE BLOCK_DDL)"
               + (waiting == "0" ? "" : "; \(waiting) statement(s) waited for it and run now"))
    }
}

/// What holds a lock someone of ours waits for: the other sessions' running statements, for
/// the message that ends the wait.
enum LockDiagnosis {
    /// The longest-running statements of other sessions (at most 5), or a note that none runs.
    static func describe(on connection: Connection, excluding ours: Set<UInt> = []) -> String {
        guard let rows = try? connection.query("""
            SELECT ID, USER, TIME, STATE, LEFT(INFO, 200) FROM information_schema.PROCESSLIST
            WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump') AND INFO IS NOT NULL
            ORDER BY TIME DESC LIMIT 12
            """).rows else { return "the server's process list could not be read" }
        let others = rows.filter { UInt($0.string(0) ?? "").map { !ours.contains($0) } ?? true }.prefix(5)
        guard !others.isEmpty else { return "no other session is running a statement" }
        return "running: " + others.map { row in
            "connection \(row.string(0) ?? "?") (\(row.string(1) ?? "?"), \(row.string(2) ?? "?") s, \(row.string(3) ?? "")): \(row.string(4) ?? "")"
        }.joined(separator: "; ")
    }
}
