import Foundation
import MariaDBClient

/// The order of the single output stream, as a value: what the dumper appends, what readers
/// push, what the writer takes next. Only decisions — no lock, no waiting; ``StreamAssembly``
/// drives it from the threads, and the tests drive it directly.
///
/// The dumper appends parts in output order: text, the start of a table's rows (its
/// ``InsertJoiner``), numbered chunks, the end of the rows. Readers push each chunk's batches;
/// the writer walks the parts in order and takes every table's batches, chunk after chunk, so
/// INSERT statements break exactly where they would in one piece.
///
/// Memory stays bounded: a reader whose chunk is not the one being written may push only while
/// less than `budget` bytes are buffered in all; the reader of the chunk being written, while
/// that chunk has less than `headBudget` queued. The chunk being written always belongs to a
/// running reader (readers take chunks in stream order), so a reader's wait always ends.
struct StreamOrder {
    enum Part {
        case text([UInt8])
        case beginRows(InsertJoiner)
        case chunk(Int)
        case endRows
    }

    /// What the writer is to do next.
    enum Next<Value> {
        case ready(Value)
        /// Nothing yet: wait for the dumper or a reader.
        case wait
        /// Nothing more will come.
        case end
    }

    private struct ChunkBuffer {
        var batches: [RowBatch?] = []
        var head = 0
        var ended = false
        var bytes = 0
    }

    private var parts: [Part] = []
    private var partHead = 0
    private var producing = true
    private var pendingText: [UInt8] = []
    private var nextChunk = 0
    private var chunks: [Int: ChunkBuffer] = [:]
    private var writingChunk = -1
    private(set) var bufferedBytes = 0
    private(set) var failure: (any Error)?
    let budget: Int
    let headBudget: Int

    init(budget: Int = readAheadBudget(readers: 2), headBudget: Int = 16 << 20) {
        self.budget = budget
        self.headBudget = headBudget
    }

    /// What the readers of chunks ahead of the writer may buffer: 24 MiB a reader. More only
    /// holds memory: the bench's 2-thread plain dump takes the same time with 32, 48 or 96 MiB
    /// (the server's two cores are the limit), and a compressed stream's writer is slower than
    /// its readers, so what they buffer waits there; the zstd stream's peak fell by 45 MB.
    static func readAheadBudget(readers: Int) -> Int { max(2, readers) * (24 << 20) }

    // MARK: The dumper's side

    /// Text for the stream; gathered into parts of up to a megabyte.
    mutating func appendText(_ bytes: UnsafeRawBufferPointer) {
        pendingText.append(contentsOf: bytes)
        if pendingText.count >= 1 << 20 { flushText() }
    }

    mutating func beginRows(_ joiner: InsertJoiner) { append(.beginRows(joiner)) }

    /// Adds the next chunk of the current table; returns its number for the reader.
    mutating func appendChunk() -> Int {
        let number = nextChunk
        nextChunk += 1
        chunks[number] = ChunkBuffer()
        append(.chunk(number))
        return number
    }

    mutating func endRows() { append(.endRows) }

    /// Everything is appended; the writer ends after the last part.
    mutating func finishAppending() {
        flushText()
        producing = false
    }

    private mutating func append(_ part: Part) {
        flushText()
        parts.append(part)
    }

    private mutating func flushText() {
        guard !pendingText.isEmpty else { return }
        parts.append(.text(pendingText))
        pendingText = []
    }

    // MARK: The readers' side

    /// True if a batch of chunk `number` may be queued now (else the reader waits).
    func mayPush(chunk number: Int) -> Bool {
        let queued = chunks[number]?.bytes ?? 0
        return number == writingChunk ? queued < headBudget || queued == 0 : bufferedBytes < budget || bufferedBytes == 0
    }

    mutating func push(_ batch: consuming RowBatch, chunk number: Int) {
        let size = batch.bytes.count
        chunks[number]?.batches.append(batch)
        chunks[number]?.bytes += size
        bufferedBytes += size
    }

    mutating func endChunk(_ number: Int) {
        chunks[number]?.ended = true
    }

    /// Stops everything: waiting readers, the writer and the dumper get `error`.
    mutating func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    // MARK: The writer's side

    mutating func nextPart() -> Next<Part> {
        guard partHead < parts.count else { return producing ? .wait : .end }
        let part = parts[partHead]
        parts[partHead] = .endRows
        partHead += 1
        // Let go of the parts written once half the array is.
        if partHead > 4096 && partHead * 2 > parts.count {
            parts.removeFirst(partHead)
            partHead = 0
        }
        if case .chunk(let number) = part { writingChunk = number }
        return .ready(part)
    }

    /// The next batch of chunk `number`, in the order its reader pushed them.
    mutating func nextBatch(of number: Int) -> Next<RowBatch> {
        guard var buffer = chunks[number] else { return .end }
        guard buffer.head < buffer.batches.count else {
            if buffer.ended {
                chunks[number] = nil
                return .end
            }
            return .wait
        }
        chunks[number] = nil
        let batch = buffer.batches[buffer.head]!
        buffer.batches[buffer.head] = nil
        buffer.head += 1
        buffer.bytes -= batch.bytes.count
        bufferedBytes -= batch.bytes.count
        chunks[number] = buffer
        return .ready(batch)
    }
}

/// The single output stream put together from the dumper's text and the readers' batches on
/// the writer's thread: the thread shell of ``StreamOrder``, which makes every decision.
final class StreamAssembly: Sendable {
    private let order: Monitor<StreamOrder>
    /// Batches the writer has written, for the readers to fill again.
    let recycler = BatchRecycler()

    init(budget: Int = StreamOrder.readAheadBudget(readers: 2), headBudget: Int = 16 << 20) {
        order = Monitor(StreamOrder(budget: budget, headBudget: headBudget))
    }

    func appendText(_ bytes: UnsafeRawBufferPointer) { order.withLock { $0.appendText(bytes) } }
    func beginRows(_ joiner: InsertJoiner) { order.withLock { $0.beginRows(joiner) } }
    func appendChunk() -> Int { order.withLock { $0.appendChunk() } }
    func endRows() { order.withLock { $0.endRows() } }
    func finishAppending() { order.withLock { $0.finishAppending() } }

    /// Queues a batch of chunk `number`, waiting while too much is buffered.
    func push(_ batch: consuming RowBatch, chunk number: Int) throws {
        let pushed = batch
        try order.wait(until: { $0.failure != nil || $0.mayPush(chunk: number) }) { order in
            if let failure = order.failure { throw failure }
            order.push(pushed, chunk: number)
        }
    }

    func endChunk(_ number: Int) { order.withLock { $0.endChunk(number) } }
    func fail(_ error: any Error) { order.withLock { $0.fail(error) } }
    var failed: (any Error)? { order.withLock { $0.failure } }

    /// Writes every part in order to `output`, until the dumper has finished appending.
    func write(to output: some ByteSink, progress: DumpProgress? = nil) throws {
        var joiner: InsertJoiner?
        while let part = try next({ $0.nextPart() }) {
            switch part {
            case .text(let bytes):
                try output.write(bytes)
            case .beginRows(let rowsJoiner):
                joiner = rowsJoiner
            case .chunk(let number):
                while let batch = try next({ $0.nextBatch(of: number) }) {
                    try joiner?.join(batch, to: output)
                    recycler.put(batch)
                }
            case .endRows:
                try joiner?.finish(to: output)
                joiner = nil
                progress?.tableDone()
            }
        }
    }

    /// Waits for `take` to give something or the end; a failure anywhere ends the wait.
    private func next<Value>(_ take: @escaping (inout StreamOrder) -> StreamOrder.Next<Value>) throws -> Value? {
        try order.wait { order -> Result<Value?, any Error>? in
            if let failure = order.failure { return .failure(failure) }
            switch take(&order) {
            case .ready(let value): return .success(value)
            case .end: return .success(nil)
            case .wait: return nil
            }
        }.get()
    }
}
