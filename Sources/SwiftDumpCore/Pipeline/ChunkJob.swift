import Foundation
import MariaDBClient

/// One piece of one table to read: a SELECT, how to format its rows, and where they go.
struct ChunkJob: Sendable {
    enum Destination: Sendable {
        /// A numbered chunk of the single stream, joined in order by ``StreamAssembly``.
        case stream(chunk: Int)
        /// A file of its own in a directory dump.
        case file(DirectoryLayout.ChunkFile)
    }

    /// The table the chunk is of, for messages.
    let table: TableID
    let query: SQLText
    let extended: Bool
    let hexBlob: Bool
    let destination: Destination
    /// The server's estimate, to start big pieces first and for progress.
    let estimatedBytes: UInt64
}

/// Counters the progress line reads while readers update them.
final class DumpProgress: @unchecked Sendable {
    // @unchecked Sendable: every property is read and written holding `lock`.
    private let lock = NSLock()
    private var rows: UInt64 = 0
    private var bytes: UInt64 = 0
    private var tablesDone = 0
    private var tablesTotal = 0
    private var estimatedBytes: UInt64 = 0
    /// The tables whose rows readers are reading now, for the line an interruption prints,
    /// and those whose reading stopped with an error (the line a failure prints).
    private var reading: [TableID: Int] = [:]
    private var failed: Set<TableID> = []

    func add(rows: Int, bytes: Int) {
        lock.lock()
        self.rows += UInt64(rows)
        self.bytes += UInt64(bytes)
        lock.unlock()
    }

    func addTable(estimatedBytes: UInt64) {
        lock.lock()
        tablesTotal += 1
        self.estimatedBytes += estimatedBytes
        lock.unlock()
    }

    func tableDone() {
        lock.lock()
        tablesDone += 1
        lock.unlock()
    }

    func startReading(_ table: TableID) {
        lock.lock()
        reading[table, default: 0] += 1
        lock.unlock()
    }

    func stopReading(_ table: TableID, completed: Bool) {
        lock.lock()
        reading[table, default: 1] -= 1
        if reading[table] == 0 { reading[table] = nil }
        if !completed { failed.insert(table) }
        lock.unlock()
    }

    /// "while reading `db`.`t`; 3 of 12 tables written".
    var activity: String {
        lock.lock()
        defer { lock.unlock() }
        let tables = Set(reading.keys).union(failed).sorted().prefix(4).map(\.description).joined(separator: ", ")
        return (tables.isEmpty ? "" : "while reading \(tables); ") + "\(tablesDone) of \(tablesTotal) table(s) written"
    }

    var snapshot: (rows: UInt64, bytes: UInt64, tablesDone: Int, tablesTotal: Int, estimatedBytes: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        return (rows, bytes, tablesDone, tablesTotal, estimatedBytes)
    }
}

/// The chunks waiting for a reader. Readers take them in the order given (the stream's order),
/// or, once released with ``releaseLargestFirst()``, biggest first (a directory dump).
final class WorkQueue: @unchecked Sendable {
    // @unchecked Sendable: every property is read and written holding `condition`.
    private let condition = NSCondition()
    private var jobs: [ChunkJob] = []
    private var head = 0
    private var closed = false
    private var held: Bool

    init(holdUntilReleased: Bool) {
        held = holdUntilReleased
    }

    func add(_ job: ChunkJob) {
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Lets the readers start, on the largest pieces first so no reader idles at the end.
    func releaseLargestFirst() {
        condition.lock()
        jobs[head...].sort { $0.estimatedBytes > $1.estimatedBytes }
        held = false
        condition.broadcast()
        condition.unlock()
    }

    /// No more jobs will come; readers end once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        held = false
        condition.broadcast()
        condition.unlock()
    }

    /// Drops the jobs not yet taken.
    func discardRemaining() {
        condition.lock()
        head = jobs.count
        condition.unlock()
    }

    /// The next job, waiting for one; nil once closed and empty.
    func next() -> ChunkJob? {
        condition.lock()
        defer { condition.unlock() }
        while (held || head == jobs.count) && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        return job
    }
}
