import Foundation
import MariaDBClient

/// Runs the scheduler's items on a worker's connection: statements from a stream, or a whole
/// file of a directory dump in one transaction together with its journal entry.
final class ItemRunner: Sendable {
    private let options: RestoreOptions
    private let stats: RestoreStats
    private let scheduler: RestoreScheduler
    private let map: DatabaseMap
    private let rules: TableStatementRules
    private let journal: RestoreJournal?
    /// Parts of a resumed directory restore that are done (objects: per statement).
    private let done: Set<String>
    /// The SETs every connection ran when it connected: a directory file's leading SETs, which
    /// are not sent again while they are in effect (``SessionHeader``).
    private let sessionHeader: [[UInt8]]

    init(options: RestoreOptions, stats: RestoreStats, scheduler: RestoreScheduler, map: DatabaseMap, rules: TableStatementRules,
         journal: RestoreJournal?, done: Set<String>, sessionHeader: [[UInt8]]) {
        self.sessionHeader = sessionHeader
        self.options = options
        self.stats = stats
        self.scheduler = scheduler
        self.map = map
        self.rules = rules
        self.journal = journal
        self.done = done
    }

    /// Runs `item`; returns whether it left rows uncommitted on the session.
    func perform(_ item: RestoreItem, on session: WorkerSession) throws -> Bool {
        switch item.work {
        case .statements(let statements, let source):
            session.headerInEffect = false
            if item.kind == .data, let table = item.table { try session.checkUniqueness(rules.checksUniqueness(table)) }
            for statement in statements {
                try run(statement, source: source, on: session, rows: item.kind == .data, table: item.table)
                // A stream's rows commit every --commit-size bytes, not per statement.
                if item.kind == .data, let written = session.uncommittedBytes, written >= options.commitSize {
                    try session.commit()
                    scheduler.committed(worker: session.index)
                }
            }
            return item.kind == .data && session.uncommittedBytes != nil
        case .file(let file, let journals):
            try load(file, journals: journals, on: session)
            return false
        case .indexes(let statement, let table, let source, let part):
            try run(statement, source: source, on: session, rows: false, about: "the deferred indexes of \(table)")
            if let journal, let part { try journal.record([part], on: session.connection) }
            try session.commitNow()
            return false
        }
    }

    /// Runs one statement; under --force a server error is listed and skipped (a lost
    /// connection never is: nothing more can run on it). Rows statements that meet a deadlock
    /// or a lock wait timeout run again, with the rest of their rolled-back transaction.
    /// `wholeTransaction`: the caller runs the transaction again itself (a directory dump's
    /// file, whose journal entry commits with it). A SET that would change nothing the session
    /// is known to hold is not sent (``KnownSettings``; never under --force, where a failed
    /// CREATE leaves an old table in place); rows into `table` forget what is known unless the
    /// restore created it (only then can no trigger of the target fire).
    func run(_ statement: Statement, source: String, on session: WorkerSession, rows: Bool, table: TableID? = nil,
             tolerating tolerated: MariaDBError.Condition? = nil, wholeTransaction: Bool = false, about: String? = nil) throws {
        if rows {
            if !(table.map(rules.firesNoTriggers) ?? false) { session.settings.forget() }
        } else if !options.force, session.settings.leavesOut(statement.bytes, role: StatementClassifier.classify(statement.bytes)) {
            stats.add(rows: 0, bytes: statement.bytes.count)
            return
        }
        var batch = [(statement, source)]
        var attempt = 0
        var next = 0
        while next < batch.count {
            let (current, currentSource) = batch[next]
            do {
                try session.use(current.database)
                let affected = try current.bytes.withUnsafeBytes { try session.connection.execute(bytes: $0) }
                stats.add(rows: rows ? affected : 0, bytes: current.bytes.count)
                if rows { session.wrote(current, source: currentSource, rows: affected, retained: !wholeTransaction) } else { session.ran(current.bytes) }
                next += 1
            } catch let error as MariaDBError {
                session.settings.forget()
                if rows && !wholeTransaction && Self.isTransient(error) && attempt < Self.attempts {
                    attempt += 1
                    let undone = try session.rollBack()
                    stats.undo(rows: undone.rows, bytes: undone.bytes, statements: undone.retained.count)
                    batch = undone.retained.map { ($0.statement, $0.source) } + batch[next...]
                    next = 0
                    usleep(UInt32(attempt) * 50_000)
                    continue
                }
                if let tolerated, error.is(tolerated) { return }
                let failure = StatementFailure(source: currentSource, offset: current.offset, line: nil,
                                               preview: String(decoding: current.bytes.prefix(200), as: UTF8.self), error: error, about: about)
                guard options.force && !error.is(.connectionLost) && !(wholeTransaction && Self.isTransient(error)) else { throw failure }
                stats.skip(failure)
                next += 1
            }
        }
    }

    /// A deadlock or a lock wait timeout: another connection's transaction was in the way;
    /// running the transaction again succeeds.
    static func isTransient(_ error: MariaDBError) -> Bool { error.is(.deadlock) || error.is(.lockWaitTimeout) }
    static let attempts = 8

    // MARK: Directory dumps

    /// Loads one file of a directory dump. A data file's rows and its journal entries commit
    /// together; the objects file is journaled statement by statement (its SETs are not).
    private func load(_ file: DirectoryDump.File, journals: [String], on session: WorkerSession) throws {
        var attempt = 0
        while true {
            do {
                return try loadOnce(file, journals: journals, on: session)
            } catch let failure as StatementFailure where file.kind == .data && Self.isTransient(failure.error) && attempt < Self.attempts {
                // The file's transaction was rolled back: load it again from its start.
                attempt += 1
                let undone = try session.rollBack()
                stats.undo(rows: undone.rows, bytes: undone.bytes, statements: 0)
                usleep(UInt32(attempt) * 50_000)
            }
        }
    }

    private func loadOnce(_ file: DirectoryDump.File, journals: [String], on session: WorkerSession) throws {
        let source = try file.open()
        let splitter = StatementSplitter(reader: try source.makeReader())
        var current = file.database.map(map.map)
        var index = 0
        // On --resume, the first objects statement not journaled may have run already (DDL
        // commits by itself): "already exists" is expected there, once.
        var resuming = options.resume && file.kind == .objects
        var header = SessionHeader(sessionHeader, inEffect: session.headerInEffect)
        session.headerInEffect = false
        while var statement = try splitter.next() {
            index += 1
            let role = StatementClassifier.classify(statement.bytes)
            if role != .skip, header.leavesOut(statement.bytes, role: role) { continue }
            statement.database = current
            var table: TableID?
            switch role {
            case .skip:
                continue
            case .use(let database, _):
                current = map.map(database)
                continue
            case .database(let name, let range):
                statement = map.rewrite(statement, nameAt: range, name: name)
            case .table(let name, let action):
                guard let key = TableReference(database: name.database.map(map.map), table: name.table).resolved(in: current) else { break }
                let (rewritten, _) = rules.apply(statement, key: key, action: action)
                guard let rewritten else { continue }
                statement = rewritten
                table = key
                // After the file's own SETs, which may set unique checks as the dump had them.
                if case .insert = action { try session.checkUniqueness(rules.checksUniqueness(key)) }
            default:
                break
            }
            let part = "\(file.relativePath)#\(index)"
            if file.kind == .objects {
                if done.contains(part) { continue }
                // A SET is not journaled: --resume runs it again, before what it prepares (the
                // session it set is gone), and it costs no journal row and no COMMIT.
                if case .session = role {
                    try run(statement, source: file.relativePath, on: session, rows: false)
                    continue
                }
                try run(statement, source: file.relativePath, on: session, rows: false, tolerating: resuming ? .alreadyExists : nil)
                resuming = false
                if let journal { try journal.record([part], on: session.connection) }
                try session.commitNow()
            } else {
                try run(statement, source: file.relativePath, on: session, rows: file.kind == .data, table: table, wholeTransaction: true)
            }
        }
        if let tail = splitter.unterminatedTail {
            throw InputError("\(file.relativePath) ends inside a statement (at byte \(tail.offset))")
        }
        if let journal, file.kind != .objects {
            try journal.record(journals, on: session.connection)
        }
        // A schema file whose entry waits for its table's rows: its DDL committed itself.
        if file.kind == .schema && journals.isEmpty { try session.commit() } else { try session.commitNow() }
        // Under --force a SET that failed was skipped: what it set is not known.
        session.headerInEffect = header.inEffectAfter && !options.force
    }

}
