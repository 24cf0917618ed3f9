import Foundation
import MariaDBClient
import Synchronization

/// Which part of the dump the dumper is writing; a directory dump puts each in its own file.
enum DumpSection {
    /// The header, replication position and footer of the single stream.
    case stream
    /// CREATE DATABASE and USE.
    case database(SQLName)
    /// A table's or sequence's structure.
    case structure(TableID)
    /// Triggers, views, routines, events, the foreign keys added after the data.
    case objects(database: SQLName?)
}

/// A table's rows as the dumper hands them to the layout: one query per chunk.
struct TableRows {
    let table: TableID
    let statementStart: [UInt8]
    let extended: Bool
    let netBufferLength: Int
    let hexBlob: Bool
    let queries: [SQLText]
    let estimatedBytes: UInt64
}

/// Where chunks are read: on the dumper's own connection as they come (one thread, and
/// mysqldump's LOCK TABLES, which belong to that session), or by the reader pool.
enum ChunkReading {
    case inline(Connection)
    case pool(BlockingQueue<ChunkJob>)
}

/// How the dump is laid out: one stream or a directory. The dumper writes text and hands over
/// rows; readers call ``read(_:on:)`` for each chunk, on their own connections.
protocol DumpLayout: ByteSink, Sendable {
    var isSingleStream: Bool { get }
    func enter(_ section: DumpSection) throws
    func addRows(_ rows: TableRows, reading: ChunkReading) throws
    func read(_ job: ChunkJob, on connection: Connection) throws
    /// A reader stopped with `error`: whatever waits for its rows must stop too.
    func readerFailed(_ error: any Error)
}

extension DumpLayout {
    /// Runs or queues one chunk.
    func dispatch(_ job: ChunkJob, reading: ChunkReading) throws {
        switch reading {
        case .inline(let connection): try read(job, on: connection)
        case .pool(let queue): queue.push(job)
        }
    }
}

/// Runs the readers: one loop per reading connection, each taking chunks from the queue.
final class ReaderPool {
    let queue: BlockingQueue<ChunkJob>
    private let loops: ConnectionLoops
    /// Errors skipped under --force.
    private let skipped = Locked<[String]>([])

    init(workers: [DedicatedConnection], queue: BlockingQueue<ChunkJob>, layout: any DumpLayout, force: Bool) {
        self.queue = queue
        let skipped = self.skipped
        let ours = Set(workers.map(\.connectionID))
        loops = ConnectionLoops(workers) { _, connection in
            var lockRelease = SnapshotTransaction.LockRelease()
            while let job = queue.pop() {
                do {
                    do {
                        try layout.read(job, on: connection)
                        try lockRelease.tableRead(on: connection)
                    } catch let error as MariaDBError where error.is(.lockWaitTimeout) {
                        throw DumpError.lockTimeout("reading \(job.table): a lock wait reached --lock-wait-timeout; "
                                                    + LockDiagnosis.describe(on: connection, excluding: ours))
                    } catch let error as MariaDBError where !force {
                        // The table it was reading, for a lost connection or a killed query.
                        throw ReadError(table: job.table, error: error)
                    }
                } catch let error as MariaDBError where force {
                    skipped.withLock { $0.append("Couldn't read rows of \(job.table) (\(job.query)): \(error)") }
                } catch {
                    layout.readerFailed(error)
                    // The other readers stop at their next job.
                    queue.discardRemaining()
                    throw error
                }
            }
        }
    }

    /// Ends the readers without waiting for the rest of the queue (after a failure).
    func stop() {
        queue.close()
        queue.discardRemaining()
        try? loops.wait()
    }

    /// Waits for every queued chunk to be read. Returns the errors skipped under --force;
    /// throws the first error that stopped a reader.
    func finish() throws -> [String] {
        queue.close()
        try loops.wait()
        return skipped.withLock { $0 }
    }
}

/// The single stream: mysqldump-compatible SQL, in order, to a file or standard output.
final class StreamLayout: DumpLayout, @unchecked Sendable {
    // @unchecked Sendable: readers only call read(_:on:), which touches `assembly` and
    // `progress` (both Sendable); `output` belongs to the writer's thread until `finish` or
    // `abandon` joins it, and `writerJoined` to the dumper's thread.
    let assembly: StreamAssembly
    private let output: OutputStream
    private let progress: DumpProgress
    private let writerDone = DispatchSemaphore(value: 0)
    private var writerJoined = false
    private let writerError = Locked<(any Error)?>(nil)

    var isSingleStream: Bool { true }

    init(output: OutputStream, readers: Int, progress: DumpProgress) {
        assembly = StreamAssembly(budget: StreamOrder.readAheadBudget(readers: readers))
        self.output = output
        self.progress = progress
        let assembly = self.assembly
        let done = writerDone
        let errors = writerError
        let box = UncheckedBox(output)
        let thread = Thread {
            do {
                try assembly.write(to: box.value, progress: progress)
            } catch {
                errors.withLock { $0 = error }
                assembly.fail(error)
            }
            done.signal()
        }
        thread.name = "swiftdump-writer"
        thread.stackSize = 1 << 20
        thread.start()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        assembly.appendText(bytes)
    }

    func enter(_ section: DumpSection) throws {
        if let failure = assembly.failed { throw failure }
    }

    func addRows(_ rows: TableRows, reading: ChunkReading) throws {
        assembly.beginRows(InsertJoiner(statementStart: rows.statementStart, extended: rows.extended, netBufferLength: rows.netBufferLength))
        for query in rows.queries {
            let job = ChunkJob(table: rows.table, query: query, extended: rows.extended, hexBlob: rows.hexBlob,
                               destination: .stream(chunk: assembly.appendChunk()),
                               estimatedBytes: rows.estimatedBytes / UInt64(rows.queries.count))
            try dispatch(job, reading: reading)
        }
        assembly.endRows()
    }

    func read(_ job: ChunkJob, on connection: Connection) throws {
        guard case .stream(let number) = job.destination else { return }
        progress.startReading(job.table)
        var completed = false
        defer {
            assembly.endChunk(number)
            progress.stopReading(job.table, completed: completed)
        }
        let assembly = self.assembly
        let progress = self.progress
        var formatter = RowFormatter(extended: job.extended, hexBlob: job.hexBlob, recycler: assembly.recycler) { batch in
            progress.add(rows: batch.rowCount, bytes: batch.bytes.count)
            try assembly.push(batch, chunk: number)
        }
        try connection.stream(job.query, into: &formatter)
        try formatter.flush()
        completed = true
    }

    func readerFailed(_ error: any Error) {
        assembly.fail(error)
    }

    /// Waits for the writer to write everything, then commits the output.
    func finish() throws {
        assembly.finishAppending()
        joinWriter()
        if let failure = writerError.withLock({ $0 }) { throw failure }
        try output.commit()
    }

    private func joinWriter() {
        guard !writerJoined else { return }
        writerDone.wait()
        writerJoined = true
    }

    /// Stops the writer and drops the output.
    func abandon(_ error: any Error) {
        assembly.fail(error)
        joinWriter()
        output.abandon()
    }
}

/// Hands a non-Sendable object to one other thread, which alone uses it from then on.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
