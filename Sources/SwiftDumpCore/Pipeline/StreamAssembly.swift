import Foundation
import MariaDBClient

/// The single output stream, put together in order from the text the dumper writes and the
/// row batches that several readers produce at once.
///
/// The dumper appends parts in output order: text, the start of a table's rows (its
/// ``InsertJoiner``), numbered chunks, the end of the rows. Readers push each chunk's batches;
/// the writer thread walks the parts in order and joins every table's batches, chunk after
/// chunk, so INSERT statements break exactly where they would in one piece.
///
/// Memory stays bounded: a reader whose chunk is not the one being written waits once
/// `budget` bytes are buffered in all; the reader of the chunk being written waits once that
/// chunk has `headBudget` bytes queued. The chunk being written always belongs to a running
/// reader (readers take chunks in stream order), so the wait always ends.
final class StreamAssembly: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is read and written holding `condition`.
    enum Part {
        case text([UInt8])
        case beginRows(InsertJoiner)
        case chunk(Int)
        case endRows
    }

    private struct ChunkBuffer {
        var batches: [RowBatch?] = []
        var head = 0
        var ended = false
        var bytes = 0
    }

    private let condition = NSCondition()
    private var parts: [Part] = []
    private var partHead = 0
    private var producing = true
    private var pendingText: [UInt8] = []
    private var nextChunk = 0
    private var chunks: [Int: ChunkBuffer] = [:]
    private var writingChunk = -1
    private var bufferedBytes = 0
    private var failure: (any Error)?
    private let budget: Int
    private let headBudget: Int
    /// Batches the writer has written, for the readers to fill again.
    let recycler = BatchRecycler()

    init(budget: Int = 96 << 20, headBudget: Int = 16 << 20) {
        self.budget = budget
        self.headBudget = headBudget
    }

    // MARK: The dumper's side

    /// Text for the stream; gathered into parts of up to a megabyte.
    func appendText(_ bytes: UnsafeRawBufferPointer) {
        condition.lock()
        pendingText.append(contentsOf: bytes)
        if pendingText.count >= 1 << 20 { flushText() }
        condition.unlock()
    }

    func beginRows(_ joiner: InsertJoiner) {
        append(.beginRows(joiner))
    }

    /// Adds the next chunk of the current table; returns its number for the reader.
    func appendChunk() -> Int {
        condition.lock()
        let number = nextChunk
        nextChunk += 1
        chunks[number] = ChunkBuffer()
        flushText()
        parts.append(.chunk(number))
        condition.broadcast()
        condition.unlock()
        return number
    }

    func endRows() {
        append(.endRows)
    }

    /// Everything is appended; the writer ends after the last part.
    func finishAppending() {
        condition.lock()
        flushText()
        producing = false
        condition.broadcast()
        condition.unlock()
    }

    private func append(_ part: Part) {
        condition.lock()
        flushText()
        parts.append(part)
        condition.broadcast()
        condition.unlock()
    }

    /// Holding the lock: turns the pending text into a part.
    private func flushText() {
        guard !pendingText.isEmpty else { return }
        parts.append(.text(pendingText))
        pendingText = []
        condition.broadcast()
    }

    // MARK: The readers' side

    /// Queues a batch of chunk `number`, waiting while too much is buffered.
    func push(_ batch: consuming RowBatch, chunk number: Int) throws {
        let size = batch.bytes.count
        condition.lock()
        defer { condition.unlock() }
        while failure == nil {
            let queued = chunks[number]?.bytes ?? 0
            if number == writingChunk ? queued < headBudget || queued == 0 : bufferedBytes < budget || bufferedBytes == 0 { break }
            condition.wait()
        }
        if let failure { throw failure }
        chunks[number]?.batches.append(batch)
        chunks[number]?.bytes += size
        bufferedBytes += size
        condition.broadcast()
    }

    func endChunk(_ number: Int) {
        condition.lock()
        chunks[number]?.ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops everything: waiting readers, the writer and the dumper get `error`.
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

    // MARK: The writer's side

    /// Writes every part in order to `output`, until the dumper has finished appending.
    func write(to output: some ByteSink, progress: DumpProgress? = nil) throws {
        var joiner: InsertJoiner?
        while let part = try nextPart() {
            switch part {
            case .text(let bytes):
                try output.write(bytes)
            case .beginRows(let rowsJoiner):
                joiner = rowsJoiner
            case .chunk(let number):
                while let batch = try nextBatch(of: number) {
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

    private func nextPart() throws -> Part? {
        condition.lock()
        defer { condition.unlock() }
        while partHead == parts.count && producing && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard partHead < parts.count else { return nil }
        let part = parts[partHead]
        parts[partHead] = .endRows
        partHead += 1
        if partHead > 4096 && partHead * 2 > parts.count {
            parts.removeFirst(partHead)
            partHead = 0
        }
        if case .chunk(let number) = part {
            writingChunk = number
            condition.broadcast()
        }
        return part
    }

    private func nextBatch(of number: Int) throws -> RowBatch? {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil, let buffer = chunks[number], buffer.head == buffer.batches.count, !buffer.ended { condition.wait() }
        if let failure { throw failure }
        guard var buffer = chunks[number] else { return nil }
        guard buffer.head < buffer.batches.count else {
            chunks[number] = nil
            return nil
        }
        chunks[number] = nil
        let batch = buffer.batches[buffer.head]!
        buffer.batches[buffer.head] = nil
        buffer.head += 1
        buffer.bytes -= batch.bytes.count
        bufferedBytes -= batch.bytes.count
        chunks[number] = buffer
        condition.broadcast()
        return batch
    }
}
