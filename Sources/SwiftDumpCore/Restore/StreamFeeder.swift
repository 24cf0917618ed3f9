import Foundation

/// Turns a single-stream dump into the scheduler's work, reading it statement by statement
/// (memory: the scheduler's budget, never the file's size).
///
/// SET statements go with the statements they wrap, as mysqldump writes them: a run of SETs
/// between two statements is split after its last "restoring" SET (`x = @saved`); that part
/// ends the statement before, the rest prepares the statement after. So a table's
/// `SET @saved_cs_client = ...` / `CREATE TABLE` / `SET ... = @saved_cs_client` run on one
/// connection, and a trigger's sql_mode switch runs with the trigger.
final class StreamFeeder {
    private let scheduler: RestoreScheduler
    private let map: DatabaseMap
    private let rules: TableStatementRules
    private let source: String

    private var current: SQLName?
    private var pendingSets: [(statement: Statement, restoring: Bool)] = []
    private enum Target: Equatable {
        case table(TableID)
        case objects
        case barrier
    }
    private var lastTarget: Target?
    /// The server-wide statement being gathered (with the SETs around it) before it is queued.
    private var barrier: [Statement] = []
    /// Views, routines, triggers and events, with their SETs: one item, run last on one connection.
    private var objects: [Statement] = []
    private var objectBytes = 0
    private var deferredIndexes: [TableID: Statement] = [:]

    init(scheduler: RestoreScheduler, map: DatabaseMap, rules: TableStatementRules, source: String) {
        self.scheduler = scheduler
        self.map = map
        self.rules = rules
        self.source = source
        current = map.source == nil ? map.target : nil
    }

    /// Feeds every statement of `splitter` from `bodyOffset` on (before it: the session
    /// settings every connection already ran).
    func feed(_ splitter: StatementSplitter, bodyOffset: UInt64) throws {
        while var statement = try splitter.next() {
            if statement.offset < bodyOffset { continue }
            let role = StatementClassifier.classify(statement.bytes)
            statement.database = current
            switch role {
            case .skip:
                continue
            case .session(let restoring):
                pendingSets.append((statement, restoring))
                continue
            case .use(let database, let range):
                _ = range
                current = map.map(database)
                continue
            case .database(let name, let range):
                try moveTo(.barrier)
                barrier.append(map.rewrite(statement, nameAt: range, name: name))
            case .global:
                try moveTo(.barrier)
                barrier.append(statement)
            case .object:
                try moveTo(.objects)
                objects.append(statement)
                objectBytes += statement.bytes.count
                if let created = StatementClassifier.createdObject(statement.bytes), created.kind == "view",
                   let view = TableReference(database: created.name.database.map(map.map), table: created.name.table).resolved(in: current) {
                    // mysqldump's placeholder table for a view is a view now.
                    rules.expectations?.forget(view)
                }
            case .table(let name, let action):
                guard let key = TableReference(database: name.database.map(map.map), table: name.table).resolved(in: current) else {
                    throw InputError("\(source): a statement on table \(name.table.quoted) comes before any USE: the dump names no database; give --database NAME")
                }
                let database = key.database
                try moveTo(.table(key))
                let (rewritten, indexes) = rules.apply(statement, key: key, action: action)
                if let indexes { deferredIndexes[key] = indexes }
                guard var rewritten else { continue }
                rewritten.database = database
                let kind: RestoreItem.Kind
                switch action {
                case .insert: kind = .data
                case .create, .drop: kind = .ordered(schema: StatementClassifier.schemaStep(rewritten.bytes))
                case .other: kind = .ordered(schema: .notSchema)
                }
                try scheduler.add(RestoreItem(kind: kind, table: key, database: database, work: .statements([rewritten], source: source),
                                              bytes: rewritten.bytes.count))
            }
        }
        // The footer's SETs restore the session: the connections close anyway.
        pendingSets = []
        try moveTo(nil)
        if !objects.isEmpty {
            try scheduler.add(RestoreItem(kind: .object, table: nil, database: nil, work: .statements(objects, source: source), bytes: objectBytes))
        }
    }

    /// Ends what the last statement belonged to (with the SETs that close it) and opens
    /// `next` (with the SETs that prepare it).
    private func moveTo(_ next: Target?) throws {
        // Nothing before: every SET prepares what comes.
        let lastRestoring = lastTarget == nil ? nil : pendingSets.lastIndex { $0.restoring }
        let trailing = lastRestoring.map { Array(pendingSets[...$0]) } ?? []
        let leading = lastRestoring.map { Array(pendingSets[($0 + 1)...]) } ?? pendingSets
        pendingSets = []
        try send(trailing.map(\.statement), to: lastTarget)
        if next != lastTarget {
            if case .table(let key) = lastTarget, let indexes = deferredIndexes.removeValue(forKey: key) {
                try scheduler.add(RestoreItem(kind: .ordered(schema: .notSchema), table: key, database: key.database,
                                              work: .indexes(indexes, table: key, source: source, part: nil), bytes: indexes.bytes.count))
            }
            if case .table(let key) = lastTarget { scheduler.seal(key) }
            if lastTarget == .barrier {
                try scheduler.add(RestoreItem(kind: .barrier, table: nil, database: nil, work: .statements(barrier, source: source),
                                              bytes: barrier.reduce(0) { $0 + $1.bytes.count }))
                barrier = []
            }
        }
        try send(leading.map(\.statement), to: next ?? lastTarget)
        lastTarget = next
    }

    private func send(_ statements: [Statement], to target: Target?) throws {
        guard !statements.isEmpty else { return }
        switch target {
        case .table(let key):
            for statement in statements {
                try scheduler.add(RestoreItem(kind: .ordered(schema: .notSchema), table: key, database: key.database,
                                              work: .statements([statement], source: source), bytes: statement.bytes.count))
            }
        case .objects:
            objects += statements
        case .barrier, nil:
            barrier += statements
        }
    }
}
