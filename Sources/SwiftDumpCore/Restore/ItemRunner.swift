import Foundation
import MariaDBClient

/// Runs the scheduler's items on a worker's connection: statements from a stream, or a whole
/// file of a directory dump in one transaction together with its journal entry.
final class ItemRunner: @unchecked Sendable {
    // @unchecked Sendable: every property is immutable or itself thread-safe; each call works
    // on the calling worker's own session.
    private let options: RestoreOptions
    private let stats: RestoreStats
    private let scheduler: RestoreScheduler
    private let map: DatabaseMap
    private let rules: TableStatementRules
    private let journal: RestoreJournal?
    /// Parts of a resumed directory restore that are done (objects: per statement).
    private let done: Set<String>

    init(options: RestoreOptions, stats: RestoreStats, scheduler: RestoreScheduler, map: DatabaseMap, rules: TableStatementRules,
         journal: RestoreJournal?, done: Set<String>) {
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
            for statement in statements {
                try run(statement, source: source, on: session, rows: item.kind == .data)
                // A stream's rows commit every --commit-size bytes, not per statement.
                if item.kind == .data, let written = session.uncommittedBytes, written >= options.commitSize {
                    try session.commit()
                    scheduler.committed(worker: session.index)
                }
            }
            return item.kind == .data && session.uncommittedBytes != nil
        case .file(let file):
            try load(file, item: item, on: session)
            return false
        case .indexes(let statement, let part):
            try run(statement, source: "deferred indexes", on: session, rows: false)
            if let journal { try journal.record(part, on: session.connection) }
            try session.commitNow()
            return false
        }
    }

    /// Runs one statement; under --force a server error is listed and skipped (a lost
    /// connection never is: nothing more can run on it).
    func run(_ statement: Statement, source: String, on session: WorkerSession, rows: Bool, tolerating tolerated: Set<UInt32> = []) throws {
        do {
            try session.use(statement.database)
            let affected = try statement.bytes.withUnsafeBytes { try session.connection.execute(bytes: $0) }
            stats.add(rows: rows ? affected : 0, bytes: statement.bytes.count)
            if rows { session.wrote(statement.bytes.count) }
        } catch let error as MariaDBError {
            if tolerated.contains(error.code) { return }
            let failure = StatementFailure(source: source, offset: statement.offset, line: nil,
                                           preview: String(decoding: statement.bytes.prefix(200), as: UTF8.self), error: error)
            let connectionLost = error.code == MariaDBError.serverLost || error.code == MariaDBError.serverGone
            guard options.force && !connectionLost else { throw failure }
            stats.skip(failure)
        }
    }

    // MARK: Directory dumps

    /// Loads one file of a directory dump. A data file's rows and its journal entry commit
    /// together; the objects file is journaled statement by statement.
    private func load(_ file: DirectoryDump.File, item: RestoreItem, on session: WorkerSession) throws {
        let source = try DumpSource(path: file.path)
        let splitter = StatementSplitter(reader: try source.makeReader())
        var current = file.database.map(map.map)
        var index = 0
        // On --resume, the first objects statement not journaled may have run already (DDL
        // commits by itself): "already exists" is expected there, once.
        var resuming = options.resume && file.kind == .objects
        while var statement = try splitter.next() {
            index += 1
            let role = StatementClassifier.classify(statement.bytes)
            statement.database = current
            switch role {
            case .skip:
                continue
            case .use(let database, _):
                current = map.map(database)
                continue
            case .database(let name, let range):
                statement = map.rewrite(statement, nameAt: range, name: name)
            case .table(let name, let action):
                guard let database = name.database.map(map.map) ?? current else { break }
                let (rewritten, _) = rules.apply(statement, key: TableKey(database: database, name: name.name), action: action)
                guard let rewritten else { continue }
                statement = rewritten
            default:
                break
            }
            let part = "\(file.relativePath)#\(index)"
            if file.kind == .objects {
                if done.contains(part) { continue }
                try run(statement, source: file.relativePath, on: session, rows: false, tolerating: resuming ? Self.alreadyExists : [])
                resuming = false
                if let journal { try journal.record(part, on: session.connection) }
                try session.commitNow()
            } else {
                try run(statement, source: file.relativePath, on: session, rows: file.kind == .data)
            }
        }
        if let tail = splitter.unterminatedTail {
            throw InputError("\(file.relativePath) ends inside a statement (at byte \(tail.offset))")
        }
        if let journal, file.kind != .objects {
            try journal.record(file.relativePath, on: session.connection)
        }
        try session.commitNow()
    }

    /// Errors of a DDL statement that ran before an interruption and runs again on --resume:
    /// trigger, routine, event, table or view, foreign key or index already there.
    static let alreadyExists: Set<UInt32> = [1359, 1304, 1537, 1050, 1826, 1061, 1022]
}
