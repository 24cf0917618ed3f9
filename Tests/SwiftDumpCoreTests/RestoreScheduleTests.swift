@testable import SwiftDumpCore
import Testing
import TestSupport

/// A workload as a feeder would queue it: each item named by its place in the feed.
private struct Workload {
    var items: [RestoreItem] = []
    /// The tables in the order their last item is fed (when the feeder seals them).
    var lastItemOfTable: [TableID: Int] = [:]

    mutating func add(_ kind: RestoreItem.Kind, _ table: TableID?, bytes: Int = 100) {
        let name = "\(items.count)"
        let statement = Statement(bytes: Array("-- \(name)".utf8), offset: UInt64(items.count), database: table?.database)
        items.append(RestoreItem(kind: kind, table: table, database: table?.database, work: .statements([statement], source: name), bytes: bytes))
        if let table { lastItemOfTable[table] = items.count - 1 }
    }

    /// `tables` tables, each CREATE, maybe a SET, rows in `1...maxChunks` items, ENABLE KEYS,
    /// their items interleaved at random (a stream's tables follow each other; a directory's
    /// files come table by table): some barriers between, objects at the end.
    static func random(tables: Int, maxChunks: Int, barriers: Int, objects: Int, using random: inout SeededRandom) -> Workload {
        var queues: [[(RestoreItem.Kind, Int)]] = (0..<tables).map { _ in
            // Now and then a CREATE that reads what an earlier one made (CREATE TABLE ... LIKE).
            let step: RestoreItem.SchemaStep = Int.random(in: 0..<5, using: &random) == 0 ? .dependent : .standalone
            var items: [(RestoreItem.Kind, Int)] = [(.ordered(schema: step), 200)]
            if Bool.random(using: &random) { items.append((.ordered(schema: .notSchema), 50)) }
            for _ in 0..<Int.random(in: 1...maxChunks, using: &random) { items.append((.data, Int.random(in: 1_000...50_000, using: &random))) }
            items.append((.ordered(schema: .notSchema), 60))
            return items
        }
        var workload = Workload()
        var barriersLeft = barriers
        while queues.contains(where: { !$0.isEmpty }) {
            if barriersLeft > 0 && Int.random(in: 0..<40, using: &random) == 0 {
                workload.add(.barrier, nil)
                barriersLeft -= 1
            }
            let candidates = queues.indices.filter { !queues[$0].isEmpty }
            // Mostly the lowest table still going: neighbours interleave, as in a dump.
            let index = Bool.random(using: &random) ? candidates[0] : candidates.randomElement(using: &random)!
            let (kind, bytes) = queues[index].removeFirst()
            workload.add(kind, TableID(database: SQLName("db\(index % 3)"), table: SQLName("t\(index)")), bytes: bytes)
        }
        for _ in 0..<objects { workload.add(.object, nil) }
        return workload
    }
}

/// Drives a ``RestoreSchedule`` as the threads would — a feeder queuing items while there is
/// room, workers asking what to do, running, finishing and committing in a random interleaving —
/// and checks every promise of a serial restore at each start.
private struct Simulation {
    var schedule: RestoreSchedule
    let workload: Workload
    let workers: Int
    var fed = 0
    /// What each worker runs, as the schedule handed it out.
    var current: [RestoreItem?]
    var uncommitted: [Set<TableID>]
    var started: Set<Int> = []
    var completed: Set<Int> = []
    var stopped: Set<Int> = []
    var home: [TableID: Int] = [:]
    var decisions = 0
    var commits = 0
    /// Items that ran while another item of their table ran on another connection.
    var concurrentSameTable = 0

    init(_ workload: Workload, workers: Int, budget: Int = 48 << 20, largestFirst: Bool = false) {
        self.workload = workload
        self.workers = workers
        schedule = RestoreSchedule(workers: workers, budget: budget, largestFirst: largestFirst)
        current = Array(repeating: nil, count: workers)
        uncommitted = Array(repeating: [], count: workers)
    }

    func number(_ item: RestoreItem) -> Int {
        guard case .statements(_, let source) = item.work, let number = Int(source) else { preconditionFailure("an item not of the workload") }
        return number
    }

    /// Feeds everything first (a directory dump) or interleaved with the workers (a stream).
    mutating func run(feedFirst: Bool = false, using random: inout SeededRandom, failAfter: Int? = nil) {
        if feedFirst {
            while fed < workload.items.count { feedOne() }
            schedule.finishFeeding()
        }
        var idleRounds = 0
        while stopped.count < workers {
            if let failAfter, completed.count >= failAfter, schedule.failure == nil {
                schedule.fail(RestoreScheduleTestFailure())
            }
            var progressed = false
            if fed < workload.items.count, schedule.failure == nil, schedule.hasRoom(for: workload.items[fed]), Int.random(in: 0..<3, using: &random) == 0 {
                feedOne()
                if fed == workload.items.count { schedule.finishFeeding() }
                progressed = true
            } else {
                let worker = Int.random(in: 0..<workers, using: &random)
                progressed = step(worker, using: &random)
            }
            idleRounds = progressed ? 0 : idleRounds + 1
            if idleRounds > 50 * workers {
                // Every worker may be waiting only while the feeder has more to give.
                let everyWorkerWaits = (0..<workers).allSatisfy { stopped.contains($0) || !step($0, using: &random) }
                if everyWorkerWaits && (fed == workload.items.count || !schedule.hasRoom(for: workload.items[fed])) {
                    Issue.record("no worker can go on: \(completed.count) of \(workload.items.count) items done, \(fed) fed")
                    return
                }
                idleRounds = 0
            }
        }
    }

    private mutating func feedOne() {
        schedule.add(workload.items[fed])
        for (table, last) in workload.lastItemOfTable where last == fed { schedule.seal(table) }
        fed += 1
    }

    /// One move of `worker`: finish what it runs, or ask for the next thing. False if it waits.
    private mutating func step(_ worker: Int, using random: inout SeededRandom) -> Bool {
        guard !stopped.contains(worker) else { return false }
        if let item = current[worker] {
            let running = number(item)
            // Rows stay uncommitted (the worker's transaction), or are committed at once.
            let leftOpen = item.kind == .data && Int.random(in: 0..<4, using: &random) != 0
            if leftOpen, let table = item.table { uncommitted[worker].insert(table) }
            current[worker] = nil
            completed.insert(running)
            schedule.complete(item, worker: worker, leftOpen: leftOpen)
            return true
        }
        decisions += 1
        switch schedule.next(worker: worker) {
        case .run(let item):
            check(start: item, on: worker)
            current[worker] = item
            started.insert(number(item))
            return true
        case .commit:
            #expect(!uncommitted[worker].isEmpty || schedule.failure != nil, "commit asked of a connection that holds nothing")
            uncommitted[worker] = []
            commits += 1
            schedule.committed(worker: worker)
            return true
        case .stop:
            stopped.insert(worker)
            return true
        case .wait:
            return false
        }
    }

    /// Everything a serial restore would have done before `item` is done when it starts.
    private mutating func check(start item: RestoreItem, on worker: Int) {
        let index = number(item)
        #expect(!started.contains(index), "item \(index) ran twice")
        let before = workload.items[..<index].enumerated()
        let running = Set(current.compactMap { $0.map(number) })
        let heldAnywhere = uncommitted.enumerated().filter { !$0.element.isEmpty }.map(\.offset)
        for (earlier, other) in before where other.kind == .barrier {
            #expect(completed.contains(earlier), "item \(index) started before barrier \(earlier) ended")
        }
        switch item.kind {
        case .barrier:
            #expect(before.allSatisfy { completed.contains($0.offset) || $0.element.kind == .object }, "barrier \(index) before what came earlier")
            #expect(running.isEmpty, "barrier \(index) beside running items")
            #expect(heldAnywhere.isEmpty, "barrier \(index) while rows are uncommitted")
        case .object:
            #expect(fed == workload.items.count, "object \(index) before the feed ended")
            let tableItems = workload.items.indices.filter { workload.items[$0].kind != .object }
            #expect(tableItems.allSatisfy(completed.contains), "object \(index) before every table was loaded")
            #expect(running.isEmpty, "object \(index) beside running items")
            #expect(heldAnywhere.isEmpty, "object \(index) while rows are uncommitted")
            for (earlier, other) in before where other.kind == .object {
                #expect(completed.contains(earlier), "object \(index) before object \(earlier)")
            }
        case .ordered(let schema):
            let table = item.table!
            for (earlier, other) in before where other.table == table {
                #expect(completed.contains(earlier), "ordered item \(index) of \(table) before its item \(earlier)")
            }
            #expect(!running.contains { workload.items[$0].table == table }, "ordered item \(index) beside another of \(table)")
            for other in 0..<workers where other != worker {
                #expect(!uncommitted[other].contains(table), "ordered item \(index) of \(table) while connection \(other) holds its rows")
            }
            if let home = home[table] {
                #expect(worker == home, "ordered item \(index) of \(table) away from its connection")
            } else {
                home[table] = worker
            }
            // A dependent CREATE or DROP after every one before it; any after a dependent one.
            if schema != .notSchema {
                for (earlier, other) in before {
                    guard case .ordered(let earlierSchema) = other.kind, earlierSchema != .notSchema else { continue }
                    if schema == .dependent || earlierSchema == .dependent {
                        #expect(completed.contains(earlier), "CREATE/DROP \(index) before CREATE/DROP \(earlier)")
                    }
                }
            }
        case .data:
            let table = item.table!
            for (earlier, other) in before where other.table == table && other.kind.isOrdered {
                #expect(completed.contains(earlier), "rows \(index) of \(table) before its ordered item \(earlier)")
            }
            if running.contains(where: { workload.items[$0].table == table }) { concurrentSameTable += 1 }
        }
    }
}

private struct RestoreScheduleTestFailure: Error {}

@Suite("RestoreSchedule: a parallel restore loads what a serial one would, without a server")
struct RestoreScheduleTests {
    @Test("random workloads, random interleavings: every promise holds at every start, and everything runs once", arguments: 0..<40)
    func randomWorkloads(seed: Int) {
        var random = SeededRandom(state: UInt64(seed) &* 7919 &+ 11)
        let workload = Workload.random(tables: Int.random(in: 1...30, using: &random), maxChunks: 6,
                                       barriers: Int.random(in: 0...3, using: &random), objects: Int.random(in: 0...4, using: &random),
                                       using: &random)
        let workers = Int.random(in: 1...5, using: &random)
        // A small budget in half the runs: the feeder waits for room.
        var simulation = Simulation(workload, workers: workers, budget: seed % 2 == 0 ? 60_000 : 48 << 20, largestFirst: seed % 3 == 0)
        simulation.run(feedFirst: seed % 3 == 0, using: &random)
        #expect(simulation.completed.count == workload.items.count)
        #expect(simulation.uncommitted.allSatisfy { $0.isEmpty }, "rows left uncommitted at the end")
        let finished = simulation.schedule.isFinished
        #expect(finished)
        let states = simulation.schedule.tableStates()
        #expect(states.incomplete.isEmpty)
        #expect(Set(states.complete) == Set(workload.lastItemOfTable.keys))
    }

    @Test("a connection holding rows of a table whose next statement is ordered is told to commit before anything else")
    func commitBeforeOrdered() {
        let table = TableID(database: "d", table: "t")
        var workload = Workload()
        workload.add(.ordered(schema: .standalone), table)
        workload.add(.data, table)
        workload.add(.data, table)
        workload.add(.ordered(schema: .notSchema), table)
        var schedule = RestoreSchedule(workers: 2)
        for item in workload.items { schedule.add(item) }
        schedule.finishFeeding()
        guard case .run(let create) = schedule.next(worker: 0) else { Issue.record("CREATE not run"); return }
        #expect(create.kind == .ordered(schema: .standalone))
        // The rows wait for the CREATE.
        guard case .wait = schedule.next(worker: 1) else { Issue.record("rows ran before their CREATE"); return }
        schedule.complete(create, worker: 0, leftOpen: false)
        guard case .run(let first) = schedule.next(worker: 1), case .run(let second) = schedule.next(worker: 0) else {
            Issue.record("both chunks of rows should run at once"); return
        }
        #expect(first.kind == .data && second.kind == .data)
        schedule.complete(first, worker: 1, leftOpen: true)
        schedule.complete(second, worker: 0, leftOpen: true)
        // ENABLE KEYS must see both connections' rows: each is told to commit first.
        guard case .commit = schedule.next(worker: 1) else { Issue.record("connection 1 not told to commit"); return }
        schedule.committed(worker: 1)
        guard case .commit = schedule.next(worker: 0) else { Issue.record("connection 0 not told to commit"); return }
        schedule.committed(worker: 0)
        // The table's connection (it ran the CREATE) runs what follows the rows.
        guard case .wait = schedule.next(worker: 1) else { Issue.record("the ordered statement left its connection"); return }
        guard case .run(let enable) = schedule.next(worker: 0) else { Issue.record("ENABLE KEYS not run"); return }
        #expect(enable.kind == .ordered(schema: .notSchema))
        schedule.complete(enable, worker: 0, leftOpen: false)
        guard case .stop = schedule.next(worker: 0), case .stop = schedule.next(worker: 1) else { Issue.record("not finished"); return }
    }

    @Test("CREATEs of two tables run at once; a dependent one waits for every CREATE before it, and those after it wait for it")
    func parallelDefinitions() {
        var workload = Workload()
        let (a, b, c, d) = (TableID(database: "d", table: "a"), TableID(database: "d", table: "b"),
                            TableID(database: "d", table: "c"), TableID(database: "d", table: "e"))
        workload.add(.ordered(schema: .standalone), a)
        workload.add(.ordered(schema: .standalone), b)
        workload.add(.ordered(schema: .dependent), c)
        workload.add(.ordered(schema: .standalone), d)
        var schedule = RestoreSchedule(workers: 2)
        for item in workload.items { schedule.add(item) }
        schedule.finishFeeding()
        guard case .run(let first) = schedule.next(worker: 0), case .run(let second) = schedule.next(worker: 1) else {
            Issue.record("the CREATEs of a and b should run at once"); return
        }
        #expect([first.table, second.table] == [a, b])
        // c reads what came before it: not while b runs; d comes after c: not before it.
        schedule.complete(first, worker: 0, leftOpen: false)
        guard case .wait = schedule.next(worker: 0) else { Issue.record("a dependent CREATE ran beside an earlier one"); return }
        schedule.complete(second, worker: 1, leftOpen: false)
        guard case .run(let third) = schedule.next(worker: 0) else { Issue.record("the dependent CREATE did not run"); return }
        #expect(third.table == c)
        guard case .wait = schedule.next(worker: 1) else { Issue.record("a CREATE overtook a dependent one"); return }
        schedule.complete(third, worker: 0, leftOpen: false)
        guard case .run(let fourth) = schedule.next(worker: 1) else { Issue.record("the last CREATE did not run"); return }
        #expect(fourth.table == d)
        schedule.complete(fourth, worker: 1, leftOpen: false)
        guard case .stop = schedule.next(worker: 0), case .stop = schedule.next(worker: 1) else { Issue.record("not finished"); return }
    }

    @Test("rows of a table nobody is loading go before joining a table being loaded")
    func spreadsOverTables() {
        var workload = Workload()
        let (a, b) = (TableID(database: "d", table: "a"), TableID(database: "d", table: "b"))
        workload.add(.data, a)
        workload.add(.data, a)
        workload.add(.data, b)
        var schedule = RestoreSchedule(workers: 3)
        for item in workload.items { schedule.add(item) }
        schedule.finishFeeding()
        guard case .run(let first) = schedule.next(worker: 0), case .run(let second) = schedule.next(worker: 1),
              case .run(let third) = schedule.next(worker: 2) else { Issue.record("three chunks, three connections"); return }
        #expect([first.table, second.table, third.table] == [a, b, a])
    }

    @Test("the budget holds the feeder back; statements of a directory's files are only named and never wait")
    func budget() {
        let overhead = RestoreSchedule.itemOverhead
        var schedule = RestoreSchedule(workers: 1, budget: 1_000 + overhead)
        var workload = Workload()
        let table = TableID(database: "d", table: "t")
        workload.add(.data, table, bytes: 900)
        workload.add(.data, table, bytes: 900)
        #expect(schedule.hasRoom(for: workload.items[0]))
        schedule.add(workload.items[0])
        #expect(schedule.hasRoom(for: workload.items[1]))
        schedule.add(workload.items[1])
        #expect(!schedule.hasRoom(for: workload.items[1]), "1,800 bytes queued with a budget of 1,000")
        guard case .run(let item) = schedule.next(worker: 0) else { Issue.record("nothing ran"); return }
        schedule.complete(item, worker: 0, leftOpen: false)
        #expect(schedule.hasRoom(for: workload.items[1]))
        let barrier = RestoreItem(kind: .barrier, table: nil, database: nil, work: .statements([], source: "b"), bytes: 1 << 30)
        #expect(schedule.hasRoom(for: barrier), "a barrier never waits for room")

        // Tiny statements fill the budget too: each item is counted with its bookkeeping.
        var tiny = RestoreSchedule(workers: 1, budget: 10 * (overhead + 1) - 1)
        var small = Workload()
        for index in 0..<10 { small.add(.data, TableID(database: "d", table: SQLName("t\(index)")), bytes: 1) }
        for item in small.items.dropLast() {
            #expect(tiny.hasRoom(for: item))
            tiny.add(item)
        }
        #expect(tiny.hasRoom(for: small.items[9]), "nine items of 1 byte: 9 x \(overhead + 1) bytes counted")
        tiny.add(small.items[9])
        #expect(!tiny.hasRoom(for: small.items[9]), "ten items of 1 byte fill a budget of 10 x \(overhead + 1) - 1")
    }

    @Test("a directory dump's biggest table goes first once everything is fed")
    func largestFirst() {
        var workload = Workload()
        for (index, bytes) in [10, 5_000, 300, 80_000, 20].enumerated() {
            workload.add(.data, TableID(database: "d", table: SQLName("t\(index)")), bytes: bytes)
        }
        var schedule = RestoreSchedule(workers: 1, largestFirst: true)
        for item in workload.items { schedule.add(item) }
        schedule.finishFeeding()
        var order: [Int] = []
        while case .run(let item) = schedule.next(worker: 0) {
            order.append(item.bytes)
            schedule.complete(item, worker: 0, leftOpen: false)
        }
        #expect(order == [80_000, 5_000, 300, 20, 10])
    }

    @Test("after a failure: workers stop, and the tables whose every statement committed are told apart from the rest")
    func failure() {
        var random = SeededRandom(state: 99)
        let workload = Workload.random(tables: 12, maxChunks: 4, barriers: 0, objects: 0, using: &random)
        var simulation = Simulation(workload, workers: 3)
        simulation.run(feedFirst: true, using: &random, failAfter: workload.items.count / 2)
        #expect(simulation.completed.count < workload.items.count)
        let states = simulation.schedule.tableStates()
        #expect(!states.incomplete.isEmpty)
        #expect(Set(states.complete + states.incomplete) == Set(workload.lastItemOfTable.keys))
        for table in states.complete {
            // Every item of a table called complete ran, and no connection holds its rows.
            let items = workload.items.indices.filter { workload.items[$0].table == table }
            #expect(items.allSatisfy(simulation.completed.contains), "\(table) called complete with items not run")
            #expect(!simulation.uncommitted.contains { $0.contains(table) }, "\(table) called complete with rows uncommitted")
        }
    }

    /// Schedules `count` tables of three items each (CREATE, rows, deferred indexes) on
    /// `workers` and runs them all: every item once, CREATEs in order. Returns the decisions
    /// and table refreshes it took.
    func scheduleTables(_ count: Int, workers: Int) -> (items: Int, decisions: Int, refreshes: Int) {
        var workload = Workload()
        for index in 0..<count {
            let table = TableID(database: "d", table: SQLName("t\(index)"))
            workload.add(.ordered(schema: .standalone), table)
            workload.add(.data, table)
            workload.add(.ordered(schema: .notSchema), table)
        }
        var schedule = RestoreSchedule(workers: workers)
        for item in workload.items { schedule.add(item) }
        schedule.finishFeeding()
        var done = 0
        var decisions = 0
        var stopped = Set<Int>()
        var lastSchema = -1
        while stopped.count < workers {
            for worker in 0..<workers where !stopped.contains(worker) {
                decisions += 1
                switch schedule.next(worker: worker) {
                case .run(let item):
                    if case .ordered(schema: .standalone) = item.kind, case .statements(_, let source) = item.work, let number = Int(source) {
                        #expect(number > lastSchema)
                        lastSchema = number
                    }
                    schedule.complete(item, worker: worker, leftOpen: item.kind == .data)
                    done += 1
                case .commit:
                    schedule.committed(worker: worker)
                case .stop:
                    stopped.insert(worker)
                case .wait:
                    break
                }
            }
        }
        #expect(done == workload.items.count)
        #expect(lastSchema == 3 * (count - 1), "every CREATE ran (the items are numbered in the order added)")
        return (workload.items.count, decisions, schedule.refreshes)
    }

    @Test("10,000 and 100,000 tables: every item runs once, in order; the work per item is the same at both sizes")
    func manyTables() {
        let small = scheduleTables(10_000, workers: 2)
        let large = scheduleTables(100_000, workers: 2)
        for run in [small, large] {
            // Each item is one decision, plus a commit or a wait now and then, and a few table
            // refreshes: nothing is retried table by table, nothing scans every table.
            #expect(run.decisions < 3 * run.items, "\(run.decisions) decisions for \(run.items) items")
            #expect(run.refreshes < 4 * run.items, "\(run.refreshes) refreshes for \(run.items) items")
        }
        let perItem = (Double(large.refreshes) / Double(large.items)) / (Double(small.refreshes) / Double(small.items))
        #expect(perItem < 1.05, "refreshes per item grew \(perItem)x from 10,000 to 100,000 tables")
    }
}
