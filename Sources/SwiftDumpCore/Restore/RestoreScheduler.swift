import Foundation

/// One piece of work for a connection: statements to run in order, or a file of a directory
/// dump to load whole.
final class RestoreItem: @unchecked Sendable {
    // @unchecked Sendable: made by the feeder, then handed to one worker; the scheduler's
    // fields below are read and written holding the scheduler's lock.
    enum Kind: Equatable {
        /// A table's statement that must run after everything before it on that table and on
        /// the table's home connection (DDL, SETs around it, ENABLE KEYS). `schema`: CREATE or
        /// DROP, which also run in dump order among themselves (a sequence before the table
        /// that draws from it).
        case ordered(schema: Bool)
        /// Rows: after the table's ordered statements before it, on any connection, alongside
        /// the table's other rows.
        case data
        /// Runs alone, once everything before it is done and committed.
        case barrier
        /// Triggers, views, routines, events: one at a time, after all tables.
        case object
    }

    enum Work {
        case statements([Statement], source: String)
        case file(DirectoryDump.File)
        /// A directory dump's deferred indexes (--defer-indexes), journaled as `part`.
        case indexes(Statement, part: String)
    }

    let kind: Kind
    let table: TableID?
    /// The database the statements run in (nil: none selected).
    let database: SQLName?
    let work: Work
    /// Bytes of SQL, for memory accounting and progress.
    let bytes: Int

    // Set by the scheduler.
    fileprivate(set) var epoch = 0
    fileprivate(set) var schemaNumber = -1

    init(kind: Kind, table: TableID?, database: SQLName?, work: Work, bytes: Int) {
        self.kind = kind
        self.table = table
        self.database = database
        self.work = work
        self.bytes = bytes
    }
}

/// Decides which connection runs what, so that a parallel restore loads what a serial one
/// would: a table's DDL before its rows, its rows before what follows them (ENABLE KEYS,
/// deferred indexes), CREATE and DROP in dump order, server-wide statements alone, and views,
/// routines, triggers and events after all the data. Rows of one table may load on several
/// connections at once; rows of different tables always may.
///
/// Transactions: a connection holds its rows uncommitted until it commits (every few MB, when
/// it has nothing to do, or when a statement waits for the table it wrote to); the scheduler
/// tells a worker when to commit (``Task/commit``), so no statement waits on a transaction
/// that nobody will end.
///
/// Memory: the feeder waits in ``add(_:)`` while more than `budget` bytes are queued.
final class RestoreScheduler: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is read and written holding `condition`.
    enum Task {
        case run(RestoreItem)
        case commit
        case stop
    }

    private final class TableQueue {
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

        var first: RestoreItem? { head < items.count ? items[head] : nil }

        /// Takes the first item off the queue; what was taken is let go (its statements with
        /// it) once half the array is taken.
        func popFirst() -> RestoreItem {
            let item = items[head]
            head += 1
            if head >= 8 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    private let condition = NSCondition()
    private var tables: [TableID: TableQueue] = [:]
    private var tableOrder: [TableID] = []
    private var barriers: [RestoreItem] = []
    private var barrierHead = 0
    private var objects: [RestoreItem] = []
    private var objectHead = 0
    private var objectRunning = false
    private var epoch = 0
    private var feedEpoch = 0
    private var incomplete: [Int: Int] = [:]
    private var nextSchema = 0
    private var schemaCount = 0
    private var feeding = true
    private var failure: (any Error)?
    private var queuedBytes = 0
    private var running = 0
    private var open: [Set<TableID>]
    /// Tables the feeder has moved past: every statement of theirs is queued.
    private var sealed: Set<TableID> = []
    private let budget: Int
    /// Directory dumps (everything added before the workers start): once fed, the biggest
    /// tables go first, so no connection idles at the end.
    private let largestFirst: Bool

    init(workers: Int, budget: Int = 48 << 20, largestFirst: Bool = false) {
        open = Array(repeating: [], count: workers)
        self.budget = budget
        self.largestFirst = largestFirst
    }

    // MARK: The feeder's side

    /// Queues `item` after everything added before it; waits while too much is queued.
    func add(_ item: RestoreItem) throws {
        condition.lock()
        defer { condition.unlock() }
        // Statements held in memory count against the budget; a directory dump's files are
        // only named here (their workers read them).
        if case .statements = item.work, item.kind == .data || item.kind.isOrdered {
            while queuedBytes > budget && failure == nil { condition.wait() }
        }
        if let failure { throw failure }
        item.epoch = feedEpoch
        switch item.kind {
        case .barrier:
            barriers.append(item)
            feedEpoch += 1
        case .object:
            objects.append(item)
        case .ordered, .data:
            guard let key = item.table else { preconditionFailure("a table item without its table") }
            if case .ordered(schema: true) = item.kind {
                item.schemaNumber = schemaCount
                schemaCount += 1
            }
            let queue: TableQueue
            if let existing = tables[key] {
                queue = existing
            } else {
                queue = TableQueue()
                tables[key] = queue
            }
            if queue.first == nil && !tableOrder.contains(key) { tableOrder.append(key) }
            sealed.remove(key)
            queue.items.append(item)
            queue.bytes += item.bytes
            incomplete[item.epoch, default: 0] += 1
            if case .statements = item.work { queuedBytes += item.bytes }
        }
        condition.broadcast()
    }

    /// Nothing more will be added.
    func finishFeeding() {
        condition.lock()
        feeding = false
        if largestFirst { tableOrder.sort { (tables[$0]?.bytes ?? 0) > (tables[$1]?.bytes ?? 0) } }
        condition.broadcast()
        condition.unlock()
    }

    /// The feeder moved past `table`: nothing more of it comes (unless a later statement
    /// names it again).
    func seal(_ table: TableID) {
        condition.lock()
        sealed.insert(table)
        condition.unlock()
    }

    /// After a failure: the tables every statement of which ran and committed, and those with
    /// statements queued, running or uncommitted.
    func tableStates() -> (complete: [TableID], incomplete: [TableID]) {
        condition.lock()
        defer { condition.unlock() }
        var complete: [TableID] = []
        var incomplete: [TableID] = []
        for (key, queue) in tables {
            let done = queue.first == nil && queue.runningData == 0 && !queue.orderedRunning && queue.uncommitted.isEmpty
            if done && sealed.contains(key) { complete.append(key) } else { incomplete.append(key) }
        }
        return (complete.sorted(), incomplete.sorted())
    }

    /// Stops everything: workers get ``Task/stop``, the feeder's next ``add(_:)`` throws.
    func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    var failed: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }

    // MARK: The workers' side

    /// The next thing `worker` should do; waits until there is one.
    func next(worker: Int) -> Task {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failure != nil { return .stop }
            // A statement waits for rows this worker holds uncommitted: commit them first.
            if open[worker].contains(where: { key in
                guard let head = tables[key]?.first else { return false }
                return head.kind.isOrdered
            }) {
                return .commit
            }
            if let item = takeRunnable(worker) {
                running += 1
                return .run(item)
            }
            if !open[worker].isEmpty { return .commit }
            if isFinished { return .stop }
            condition.wait()
        }
    }

    /// `worker` finished `item`; `leftOpen`: it holds the item's rows uncommitted.
    func complete(_ item: RestoreItem, worker: Int, leftOpen: Bool) {
        condition.lock()
        defer { condition.unlock() }
        running -= 1
        switch item.kind {
        case .barrier:
            epoch += 1
        case .object:
            objectRunning = false
        case .ordered(let schema):
            if let key = item.table, let queue = tables[key] {
                queue.orderedRunning = false
                if queue.home == nil { queue.home = worker }
            }
            if schema { nextSchema += 1 }
            finishTableItem(item)
        case .data:
            if let key = item.table, let queue = tables[key] {
                queue.runningData -= 1
                if leftOpen {
                    queue.uncommitted.insert(worker)
                    open[worker].insert(key)
                }
            }
            finishTableItem(item)
        }
        condition.broadcast()
    }

    /// `worker` committed: the rows it held are visible to every connection.
    func committed(worker: Int) {
        condition.lock()
        for key in open[worker] { tables[key]?.uncommitted.remove(worker) }
        open[worker] = []
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Holding the lock

    private func finishTableItem(_ item: RestoreItem) {
        incomplete[item.epoch, default: 1] -= 1
        if case .statements = item.work { queuedBytes -= item.bytes }
        if let key = item.table, let queue = tables[key] {
            queue.bytes -= item.bytes
            if queue.first == nil && queue.runningData == 0 && !queue.orderedRunning && queue.uncommitted.isEmpty {
                queue.items.removeAll()
                queue.head = 0
                tableOrder.removeAll { $0 == key }
            }
        }
    }

    private var everyoneCommitted: Bool { open.allSatisfy(\.isEmpty) }

    private var isFinished: Bool {
        !feeding && running == 0 && barrierHead == barriers.count && objectHead == objects.count
            && tables.values.allSatisfy { $0.first == nil }
    }

    private func takeRunnable(_ worker: Int) -> RestoreItem? {
        // A server-wide statement, once everything before it is done and committed.
        if barrierHead < barriers.count {
            let barrier = barriers[barrierHead]
            if barrier.epoch == epoch && (incomplete[epoch] ?? 0) == 0 && running == 0 && everyoneCommitted {
                barrierHead += 1
                return barrier
            }
        }
        // Rows of a table no other connection is loading first: two connections appending to
        // one B-tree contend for its last pages; different tables do not.
        for idleOnly in [true, false] {
            for key in tableOrder {
                guard let queue = tables[key], let head = queue.first, head.epoch <= epoch else { continue }
                if idleOnly && (queue.runningData > 0 || queue.orderedRunning) { continue }
                switch head.kind {
                case .ordered(let schema):
                    guard !queue.orderedRunning && queue.runningData == 0 && queue.uncommitted.subtracting([worker]).isEmpty,
                          queue.home == nil || queue.home == worker,
                          !schema || head.schemaNumber == nextSchema else { continue }
                    queue.orderedRunning = true
                case .data:
                    guard !queue.orderedRunning else { continue }
                    queue.runningData += 1
                default:
                    continue
                }
                return queue.popFirst()
            }
        }
        // Objects last, one at a time, once every table is loaded and committed.
        if !feeding && !objectRunning && objectHead < objects.count && running == 0 && barrierHead == barriers.count
            && everyoneCommitted && tables.values.allSatisfy({ $0.first == nil }) {
            objectRunning = true
            objectHead += 1
            return objects[objectHead - 1]
        }
        return nil
    }
}

extension RestoreItem.Kind {
    var isOrdered: Bool {
        if case .ordered = self { return true }
        return false
    }
}
