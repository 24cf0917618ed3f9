import Foundation
import MariaDBClient
import Synchronization

/// Counters the progress line and the summary read while workers update them, and the
/// statement failures --force continued past.
final class RestoreStats: Sendable {
    private struct Counts {
        var rows: UInt64 = 0
        var bytes: UInt64 = 0
        var statements: UInt64 = 0
        var skippedFailures: [StatementFailure] = []
        var totalBytes: UInt64 = 0
    }

    private let counts = Mutex(Counts())

    func setTotal(bytes: UInt64) { counts.withLock { $0.totalBytes = bytes } }

    func add(rows: UInt64, bytes: Int) {
        counts.withLock {
            $0.rows += rows
            $0.bytes += UInt64(bytes)
            $0.statements += 1
        }
    }

    /// Statements rolled back, to be run again.
    func undo(rows: UInt64, bytes: Int, statements count: Int) {
        counts.withLock {
            $0.rows -= rows
            $0.bytes -= UInt64(bytes)
            $0.statements -= UInt64(count)
        }
    }

    func skip(_ failure: StatementFailure) { counts.withLock { $0.skippedFailures.append(failure) } }

    var snapshot: (rows: UInt64, bytes: UInt64, statements: UInt64, total: UInt64) {
        counts.withLock { ($0.rows, $0.bytes, $0.statements, $0.totalBytes) }
    }

    var failures: [StatementFailure] { counts.withLock { $0.skippedFailures } }
}

/// One loading connection's state, on its own thread: the database it is in and the rows it
/// has not committed yet.
final class WorkerSession {
    let index: Int
    let connection: Connection
    private(set) var database: SQLName?
    /// Bytes of rows since the last commit; nil when nothing is uncommitted.
    private(set) var uncommittedBytes: Int?
    /// The SETs run when the session connected (a directory dump's file header) are in effect:
    /// nothing run since changed what they set (``SessionHeader``).
    var headerInEffect = true
    /// UNIQUE_CHECKS as the session has it: off from its setup; nil once a statement of the
    /// dump may have set it.
    private var uniqueChecks: Bool? = false

    /// What the session's character set variables hold, as far as it knows (``KnownSettings``).
    var settings = KnownSettings()

    /// `setup`: the statements the connection ran when it connected.
    init(index: Int, connection: Connection, setup: [[UInt8]] = []) {
        self.index = index
        self.connection = connection
        for statement in setup { _ = settings.leavesOut(statement, role: StatementClassifier.classify(statement)) }
    }

    func use(_ database: SQLName?) throws {
        guard let database, database != self.database else { return }
        try connection.selectDatabase(database)
        self.database = database
    }

    /// Turns unique checks on or off for the rows that follow (``TableStatementRules/bulkTables``),
    /// a round trip only when that changes them.
    func checkUniqueness(_ on: Bool) throws {
        guard uniqueChecks != on else { return }
        try connection.execute(on ? "SET SESSION UNIQUE_CHECKS = 1" : "SET SESSION UNIQUE_CHECKS = 0")
        uniqueChecks = on
    }

    /// Notes a statement of the dump that ran on the session: one that names unique_checks
    /// (ASCII case folded) may have set it.
    func ran(_ statement: [UInt8]) {
        if uniqueChecks != nil && Self.namesUniqueChecks(statement) { uniqueChecks = nil }
    }

    /// Whether `statement` holds `unique_checks`, ASCII letters compared case-insensitively.
    static func namesUniqueChecks(_ statement: [UInt8]) -> Bool {
        let name = Array("unique_checks".utf8)
        guard statement.count >= name.count else { return false }
        func lowered(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        return (0...(statement.count - name.count)).contains { start in
            (0..<name.count).allSatisfy { lowered(statement[start + $0]) == name[$0] }
        }
    }

    /// The database the session is in, as a statement like `USE` left it.
    func noteDatabase(_ database: SQLName?) {
        self.database = database
    }

    /// Rows statements run since the last commit, kept to run again if the server rolls the
    /// transaction back (a deadlock between two connections loading one table).
    private(set) var uncommitted: [(statement: Statement, source: String, rows: UInt64)] = []

    /// `retained`: kept to run again after a rollback (a stream's statements; a directory
    /// dump's file is read again instead).
    func wrote(_ statement: Statement, source: String, rows: UInt64, retained: Bool) {
        uncommittedBytes = (uncommittedBytes ?? 0) + statement.bytes.count
        uncommittedRows += rows
        if retained { uncommitted.append((statement, source, rows)) }
    }

    /// Rows written since the last commit (of statements retained or not).
    private(set) var uncommittedRows: UInt64 = 0

    /// Commits the rows written since the last commit, if any.
    func commit() throws {
        guard uncommittedBytes != nil else { return }
        try commitNow()
    }

    /// Commits whatever the session did (a journal entry after DDL, say).
    func commitNow() throws {
        try connection.execute("COMMIT")
        uncommittedBytes = nil
        uncommittedRows = 0
        uncommitted = []
    }

    /// Rolls the transaction back; returns the retained statements it undid, to run again,
    /// and the bytes and rows undone in all.
    func rollBack() throws -> (retained: [(statement: Statement, source: String, rows: UInt64)], bytes: Int, rows: UInt64) {
        try connection.execute("ROLLBACK")
        let undone = (uncommitted, uncommittedBytes ?? 0, uncommittedRows)
        uncommittedBytes = nil
        uncommittedRows = 0
        uncommitted = []
        return undone
    }
}

/// The loading connections, a thread each, taking work from a ``RestoreScheduler`` until it
/// says stop. What an item means is up to `perform`, run on the worker's own thread.
final class RestoreWorkers {
    private let connections: [DedicatedConnection]
    private let setup: [[UInt8]]
    private var loops: ConnectionLoops?

    /// Opens `count` connections and runs `setup` on each (the session every statement of
    /// the dump expects), before any work starts.
    init(count: Int, options: ConnectionOptions, setup: [[UInt8]]) throws {
        var opened: [DedicatedConnection] = []
        for index in 0..<count {
            let connection = try DedicatedConnection.openAndWait(options, name: "swiftrestore-\(index)")
            try connection.runAndWait { connection in for statement in setup { _ = try connection.execute(bytes: statement) } }
            opened.append(connection)
        }
        connections = opened
        self.setup = setup
    }

    var count: Int { connections.count }

    /// Starts every worker's loop. `perform` runs an item and returns whether it left rows
    /// uncommitted; a throw stops the whole restore.
    func start(_ scheduler: RestoreScheduler, perform: @escaping @Sendable (RestoreItem, WorkerSession) throws -> Bool) {
        loops = ConnectionLoops(connections) { [setup] index, connection in
            let session = WorkerSession(index: index, connection: connection, setup: setup)
            do {
                loop: while true {
                    switch scheduler.next(worker: index) {
                    case .stop, .wait:
                        break loop
                    case .commit:
                        try session.commit()
                        scheduler.committed(worker: index)
                    case .run(let item):
                        if item.kind != .data {
                            try session.commit()
                            scheduler.committed(worker: index)
                        }
                        let leftOpen = try perform(item, session)
                        scheduler.complete(item, worker: index, leftOpen: leftOpen)
                    }
                }
                if scheduler.failed == nil { try session.commit() }
            } catch {
                scheduler.fail(error)
                throw error
            }
        }
    }

    /// Waits for every worker; throws the first error that stopped one.
    func wait() throws {
        try loops?.wait()
    }

    /// Runs `body` on each connection's thread at once and waits (the verification).
    func forEach(_ body: @escaping @Sendable (Int, Connection) throws -> Void) throws {
        try ConnectionLoops(connections, body).wait()
    }

    func close() {
        for connection in connections { connection.closeAndWait() }
    }
}

@available(*, unavailable, message: "a session belongs to the loader thread of its connection")
extension WorkerSession: Sendable {}
