import MariaDBClient

/// One piece of work for a connection: statements to run in order, or a file of a directory
/// dump to load whole.
struct RestoreItem: Sendable {
    enum Kind: Equatable, Sendable {
        /// A table's statement that must run after everything before it on that table and on
        /// the table's home connection (DDL, SETs around it, ENABLE KEYS). `schema`: whether it
        /// is a CREATE or DROP, and how it is ordered among the others.
        case ordered(schema: SchemaStep)
        /// Rows: after the table's ordered statements before it, on any connection, alongside
        /// the table's other rows.
        case data
        /// Runs alone, once everything before it is done and committed.
        case barrier
        /// Triggers, views, routines, events: one at a time, after all tables.
        case object

        var isOrdered: Bool {
            if case .ordered = self { return true }
            return false
        }
    }

    /// A CREATE or DROP among the others. Most touch their own table only, and run as soon as
    /// their table's turn comes, two tables' DDL on two connections at once (the server
    /// creates tables in parallel: at 10,000 tables one at a time left a connection idle half
    /// the time). One that reads what earlier statements made (``StatementClassifier/schemaStep(_:)``)
    /// waits for every CREATE and DROP before it, and every one after it waits for it.
    enum SchemaStep: Equatable, Sendable {
        /// Not a CREATE or DROP.
        case notSchema
        /// A CREATE or DROP of its own table alone.
        case standalone
        /// One that may read what earlier ones made or dropped: CREATE TABLE ... LIKE or
        /// ... SELECT, a default drawn from a sequence, an engine over other tables.
        case dependent
    }

    enum Work: Sendable {
        case statements([Statement], source: String)
        /// A directory dump's file, whose transaction records `journals` (``RestoreJournal``):
        /// its own path, and for a table's only data file its schema file's too.
        case file(DirectoryDump.File, journals: [String])
        /// A table's deferred indexes, the ALTER TABLE the restore wrote from the CREATE TABLE
        /// at `source` (a directory dump's: journaled as `part`).
        case indexes(Statement, table: TableID, source: String, part: String?)
    }

    let kind: Kind
    let table: TableID?
    /// The database the statements run in (nil: none selected).
    let database: SQLName?
    let work: Work
    /// Bytes of SQL, for memory accounting and progress.
    let bytes: Int

    /// Set by the schedule as the item is queued: the barriers before it, and for a CREATE or
    /// DROP its place among them and the last of them that must be done before it starts.
    var epoch = 0
    var schemaNumber = -1
    var schemaFence = -1

    init(kind: Kind, table: TableID?, database: SQLName?, work: Work, bytes: Int) {
        self.kind = kind
        self.table = table
        self.database = database
        self.work = work
        self.bytes = bytes
    }

    /// Statements held in memory (a directory dump's files are only named).
    var holdsStatements: Bool {
        if case .statements = work { return true }
        return false
    }
}

/// The restore's scheduling decisions as a value: which connection runs what, so that a
/// parallel restore loads what a serial one would — a table's DDL before its rows, its rows
/// before what follows them (ENABLE KEYS, deferred indexes), CREATE and DROP in dump order
/// where one may read what another made (``RestoreItem/SchemaStep``),
/// server-wide statements alone, and views, routines, triggers and events after all the data.
/// Rows of one table may load on several connections at once; rows of different tables always
/// may, and a connection takes a table nobody is loading before joining one that somebody is.
/// No lock and no waiting here: ``RestoreScheduler`` drives it from the threads; the tests
/// drive it directly.
///
/// Transactions: a connection holds its rows uncommitted until it commits (every few MB, when
/// it has nothing to do, or when a statement waits for the table it wrote to); the schedule
/// tells a worker when to commit (``Decision/commit``), so no statement waits on a transaction
/// that nobody will end.
///
/// Every decision is O(log n) in the tables and items: the tables whose next item may run are
/// kept in ``RankSet``s by their place in the order, and what a decision depends on (a table's
/// head, the barriers, the CREATE/DROP order, who holds what uncommitted) is counted, not
/// searched for.
struct RestoreSchedule {
    enum Decision: Sendable {
        case run(RestoreItem)
        case commit
        case stop
        /// Nothing to do yet.
        case wait
    }

    /// Where a table stands for the next decision.
    private enum Placement: Equatable {
        /// Its next item cannot run now (nothing queued, or waiting on its own running items,
        /// on commits of several connections, or on the feeder).
        case none
        /// Runnable on any connection; nothing of the table runs now.
        case anyIdle
        /// Runnable on any connection, beside rows of it that run now.
        case anyBusy
        /// Runnable on this connection only (its home, or the one holding its rows).
        case worker(Int)
        /// Its next item comes after a server-wide statement not yet run.
        case epochWait
        /// Its next item is a CREATE or DROP waiting for earlier ones.
        case schemaWait
    }

    private struct Table {
        var items: [RestoreItem] = []
        var head = 0
        var runningData = 0
        var orderedRunning = false
        /// The connection that ran its first ordered statement; the rest follow it there (a
        /// SET that restores a saved user variable must run where the variable was saved).
        var home: Int?
        /// Connections holding this table's rows uncommitted.
        var uncommitted: Set<Int> = []
        var bytes = 0
        var rank: Int
        var placement = Placement.none
        /// The connections whose ``RestoreSchedule/blocked`` count includes this table.
        var blocking: Set<Int> = []

        var first: RestoreItem? { head < items.count ? items[head] : nil }
        var isIdle: Bool { runningData == 0 && !orderedRunning }
        var isDone: Bool { first == nil && isIdle && uncommitted.isEmpty }

        /// Takes the first item off the queue; what was taken is let go (its statements with
        /// it) once half the array is taken, or all of it (a small table's two items, which
        /// at 100,000 tables stayed to the end: 0.6 KB a table).
        mutating func popFirst() -> RestoreItem {
            let item = items[head]
            head += 1
            if head == items.count {
                items = []
                head = 0
            } else if head >= 8 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    private var tables: [TableID: Table] = [:]
    private var byRank: [TableID] = []
    private var anyIdle = RankSet()
    private var anyBusy = RankSet()
    private var workerReady: [RankSet]
    private var waitingForEpoch: [Int: [TableID]] = [:]
    /// The tables whose next item is a CREATE or DROP waiting for every one up to this number.
    private var schemaWaiters: [Int: [TableID]] = [:]
    private var barriers: [RestoreItem] = []
    private var barrierHead = 0
    private var objects: [RestoreItem] = []
    private var objectHead = 0
    private var objectRunning = false
    private var epoch = 0
    private var feedEpoch = 0
    /// Table items of each epoch not finished.
    private var incomplete: [Int: Int] = [:]
    /// Every CREATE and DROP numbered below this is done; those above it that are done.
    private var schemaDoneBelow = 0
    private var schemaDoneAbove: Set<Int> = []
    private var schemaCount = 0
    private var lastDependentSchema = -1
    private(set) var feeding = true
    /// Tables looked at again so far (each a few O(log n) set operations): the work decisions
    /// cost, which tests compare with the items scheduled.
    private(set) var refreshes = 0
    private(set) var failure: (any Error)?
    /// Statement bytes queued, each table item counted ``itemOverhead`` more.
    private var queuedBytes = 0
    /// What a queued item costs beyond its statements' bytes (the item, its statements'
    /// headers, its place in its table's queue). Counted against the budget: a stream of small
    /// tables queued 48 MB of statements and three times as much bookkeeping besides (354 MB
    /// resident restoring 100,000 tables of 10 rows).
    static let itemOverhead = 640
    private var running = 0
    /// Table items queued and not taken.
    private var queuedTableItems = 0
    /// Per connection: the tables whose rows it holds uncommitted.
    private var open: [Set<TableID>]
    private var openWorkers = 0
    /// Per connection: how many of those tables have an ordered statement next (it must commit).
    private var blocked: [Int]
    /// Tables the feeder has moved past: every statement of theirs is queued.
    private var sealed: Set<TableID> = []
    let budget: Int
    /// Directory dumps (everything added before the workers start): once fed, the biggest
    /// tables go first, so no connection idles at the end.
    let largestFirst: Bool

    init(workers: Int, budget: Int = 48 << 20, largestFirst: Bool = false) {
        open = Array(repeating: [], count: workers)
        blocked = Array(repeating: 0, count: workers)
        workerReady = Array(repeating: RankSet(), count: workers)
        self.budget = budget
        self.largestFirst = largestFirst
    }

    // MARK: The feeder's side

    /// True if `item` may be queued now: statements held in memory wait while more than
    /// `budget` bytes of them (and of their bookkeeping) are queued.
    func hasRoom(for item: RestoreItem) -> Bool {
        guard item.holdsStatements, item.kind == .data || item.kind.isOrdered else { return true }
        return queuedBytes <= budget
    }

    /// Queues `item` after everything added before it.
    mutating func add(_ item: RestoreItem) {
        var item = item
        item.epoch = feedEpoch
        switch item.kind {
        case .barrier:
            barriers.append(item)
            feedEpoch += 1
        case .object:
            objects.append(item)
        case .ordered, .data:
            guard let key = item.table else { preconditionFailure("a table item without its table") }
            if case .ordered(let schema) = item.kind, schema != .notSchema {
                item.schemaNumber = schemaCount
                schemaCount += 1
                if schema == .dependent {
                    item.schemaFence = item.schemaNumber - 1
                    lastDependentSchema = item.schemaNumber
                } else {
                    item.schemaFence = lastDependentSchema
                }
            }
            if tables[key] == nil {
                tables[key] = Table(rank: byRank.count)
                byRank.append(key)
            }
            let wasEmpty = tables[key]!.first == nil
            tables[key]!.items.append(item)
            tables[key]!.bytes += item.bytes
            incomplete[item.epoch, default: 0] += 1
            if item.holdsStatements { queuedBytes += item.bytes + Self.itemOverhead }
            queuedTableItems += 1
            sealed.remove(key)
            if wasEmpty { refresh(key) }
        }
    }

    /// Nothing more will be added.
    mutating func finishFeeding() {
        guard feeding else { return }
        feeding = false
        guard largestFirst else { return }
        // Ranks by size, biggest first (ties in the order added); every set rebuilt once.
        let order = byRank.enumerated().sorted { left, right in
            let (a, b) = (tables[left.element]!.bytes, tables[right.element]!.bytes)
            return a != b ? a > b : left.offset < right.offset
        }.map(\.element)
        anyIdle = RankSet()
        anyBusy = RankSet()
        workerReady = Array(repeating: RankSet(), count: workerReady.count)
        byRank = order
        for (rank, key) in order.enumerated() {
            tables[key]!.rank = rank
            tables[key]!.placement = .none
        }
        waitingForEpoch = [:]
        schemaWaiters = [:]
        for key in order { refresh(key) }
    }

    /// The feeder moved past `table`: nothing more of it comes (unless a later statement
    /// names it again).
    mutating func seal(_ table: TableID) {
        sealed.insert(table)
    }

    /// Stops everything: workers get ``Decision/stop``, the feeder's next add fails.
    mutating func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    // MARK: The workers' side

    /// What `worker` should do next.
    mutating func next(worker: Int) -> Decision {
        if failure != nil { return .stop }
        // A statement waits for rows this worker holds uncommitted: commit them first.
        if blocked[worker] > 0 { return .commit }
        if let item = take(worker) {
            running += 1
            return .run(item)
        }
        if !open[worker].isEmpty { return .commit }
        if isFinished { return .stop }
        return .wait
    }

    /// `worker` finished `item`; `leftOpen`: it holds the item's rows uncommitted.
    mutating func complete(_ item: RestoreItem, worker: Int, leftOpen: Bool) {
        running -= 1
        switch item.kind {
        case .barrier:
            epoch += 1
            for key in waitingForEpoch.removeValue(forKey: epoch) ?? [] { refresh(key) }
        case .object:
            objectRunning = false
        case .ordered(let schema):
            guard let key = item.table else { return }
            tables[key]!.orderedRunning = false
            if tables[key]!.home == nil { tables[key]!.home = worker }
            finishTableItem(item, key)
            refresh(key)
            if schema != .notSchema { schemaDone(item.schemaNumber) }
        case .data:
            guard let key = item.table else { return }
            tables[key]!.runningData -= 1
            if leftOpen {
                tables[key]!.uncommitted.insert(worker)
                if open[worker].isEmpty { openWorkers += 1 }
                open[worker].insert(key)
            }
            finishTableItem(item, key)
            refresh(key)
        }
    }

    /// `worker` committed: the rows it held are visible to every connection.
    mutating func committed(worker: Int) {
        guard !open[worker].isEmpty else { return }
        let keys = open[worker]
        open[worker] = []
        openWorkers -= 1
        for key in keys {
            tables[key]!.uncommitted.remove(worker)
            refresh(key)
        }
    }

    /// After a failure: the tables every statement of which ran and committed, and those with
    /// statements queued, running or uncommitted.
    func tableStates() -> (complete: [TableID], incomplete: [TableID]) {
        var complete: [TableID] = []
        var incomplete: [TableID] = []
        for (key, table) in tables {
            if table.isDone && sealed.contains(key) { complete.append(key) } else { incomplete.append(key) }
        }
        return (complete.sorted(), incomplete.sorted())
    }

    var isFinished: Bool {
        !feeding && running == 0 && barrierHead == barriers.count && objectHead == objects.count && queuedTableItems == 0
    }

    // MARK: Decisions

    private mutating func take(_ worker: Int) -> RestoreItem? {
        // A server-wide statement, once everything before it is done and committed.
        if barrierHead < barriers.count {
            let barrier = barriers[barrierHead]
            if barrier.epoch == epoch && (incomplete[epoch] ?? 0) == 0 && running == 0 && openWorkers == 0 {
                barrierHead += 1
                return barrier
            }
        }
        // Rows of a table no other connection is loading first: two connections appending to
        // one B-tree contend for its last pages; different tables do not.
        let idle = [anyIdle.first, workerReady[worker].first].compactMap { $0 }.min()
        if let rank = idle ?? anyBusy.first {
            let key = byRank[rank]
            let item = tables[key]!.popFirst()
            if item.kind == .data { tables[key]!.runningData += 1 } else { tables[key]!.orderedRunning = true }
            queuedTableItems -= 1
            refresh(key)
            return item
        }
        // Objects last, one at a time, once every table is loaded and committed.
        if !feeding && !objectRunning && objectHead < objects.count && running == 0 && barrierHead == barriers.count
            && openWorkers == 0 && queuedTableItems == 0 {
            objectRunning = true
            objectHead += 1
            return objects[objectHead - 1]
        }
        return nil
    }

    /// The CREATE or DROP `number` is done: the tables waiting for every one up to the new
    /// low-water mark go on.
    private mutating func schemaDone(_ number: Int) {
        let before = schemaDoneBelow
        schemaDoneAbove.insert(number)
        while schemaDoneAbove.remove(schemaDoneBelow) != nil { schemaDoneBelow += 1 }
        for fence in before..<schemaDoneBelow {
            for key in schemaWaiters.removeValue(forKey: fence) ?? [] { refresh(key) }
        }
    }

    private mutating func finishTableItem(_ item: RestoreItem, _ key: TableID) {
        incomplete[item.epoch, default: 1] -= 1
        if item.holdsStatements { queuedBytes -= item.bytes + Self.itemOverhead }
        tables[key]!.bytes -= item.bytes
    }

    /// Puts `key` where its state says, after anything about it changed.
    private mutating func refresh(_ key: TableID) {
        refreshes += 1
        guard var table = tables[key] else { return }
        let placement = placement(of: table, key)
        if placement != table.placement {
            switch table.placement {
            case .anyIdle: anyIdle.remove(table.rank)
            case .anyBusy: anyBusy.remove(table.rank)
            case .worker(let worker): workerReady[worker].remove(table.rank)
            case .none, .epochWait, .schemaWait: break
            }
            switch placement {
            case .anyIdle: anyIdle.insert(table.rank)
            case .anyBusy: anyBusy.insert(table.rank)
            case .worker(let worker): workerReady[worker].insert(table.rank)
            case .epochWait: waitingForEpoch[table.first!.epoch, default: []].append(key)
            case .schemaWait: schemaWaiters[table.first!.schemaFence, default: []].append(key)
            case .none: break
            }
            table.placement = placement
        }
        // The connections holding rows of a table whose next statement is ordered must commit.
        let blocking = table.first?.kind.isOrdered == true ? table.uncommitted : []
        if blocking != table.blocking {
            for worker in table.blocking.subtracting(blocking) { blocked[worker] -= 1 }
            for worker in blocking.subtracting(table.blocking) { blocked[worker] += 1 }
            table.blocking = blocking
        }
        tables[key] = table
    }

    private func placement(of table: Table, _ key: TableID) -> Placement {
        guard let head = table.first else { return .none }
        if head.epoch > epoch { return .epochWait }
        switch head.kind {
        case .data:
            if table.orderedRunning { return .none }
            return table.isIdle ? .anyIdle : .anyBusy
        case .ordered(let schema):
            guard table.isIdle else { return .none }
            if schema != .notSchema && head.schemaFence >= schemaDoneBelow { return .schemaWait }
            if let home = table.home {
                return table.uncommitted.isSubset(of: [home]) ? .worker(home) : .none
            }
            if table.uncommitted.isEmpty { return .anyIdle }
            if table.uncommitted.count == 1, let holder = table.uncommitted.first { return .worker(holder) }
            return .none
        case .barrier, .object:
            return .none
        }
    }
}

/// The thread shell of ``RestoreSchedule``: the feeder and the workers call it from their
/// threads; it waits where the schedule says there is nothing to do yet.
///
/// Memory: the feeder waits in ``add(_:)`` while more than the budget is queued.
final class RestoreScheduler: Sendable {
    private let schedule: Monitor<RestoreSchedule>

    init(workers: Int, budget: Int = 48 << 20, largestFirst: Bool = false) {
        schedule = Monitor(RestoreSchedule(workers: workers, budget: budget, largestFirst: largestFirst))
    }

    /// Queues `item` after everything added before it; waits while too much is queued.
    func add(_ item: RestoreItem) throws {
        try schedule.wait(until: { $0.failure != nil || $0.hasRoom(for: item) }) { schedule in
            if let failure = schedule.failure { throw failure }
            schedule.add(item)
        }
    }

    func finishFeeding() { schedule.withLock { $0.finishFeeding() } }
    func seal(_ table: TableID) { schedule.withLock { $0.seal(table) } }
    func fail(_ error: any Error) { schedule.withLock { $0.fail(error) } }
    var failed: (any Error)? { schedule.withLock { $0.failure } }
    func tableStates() -> (complete: [TableID], incomplete: [TableID]) { schedule.withLock { $0.tableStates() } }

    /// The next thing `worker` should do; waits until there is one.
    func next(worker: Int) -> RestoreSchedule.Decision {
        schedule.wait { schedule -> RestoreSchedule.Decision? in
            let decision = schedule.next(worker: worker)
            if case .wait = decision { return nil }
            return decision
        }
    }

    func complete(_ item: RestoreItem, worker: Int, leftOpen: Bool) {
        schedule.withLock { $0.complete(item, worker: worker, leftOpen: leftOpen) }
    }

    func committed(worker: Int) { schedule.withLock { $0.committed(worker: worker) } }
}
