import Foundation
import MariaDBClient

/// Compresses a stream of blocks on several threads and hands the results back in order.
///
/// Blocks become independent zstd frames or gzip members (``BlockCompressor``), so the
/// concatenation is one file the stock tools decode. At most `maxInFlight` blocks wait or are
/// being compressed: a producer that runs ahead blocks in ``submit(_:)``, memory stays bounded.
/// The compressed blocks are written by the producer's thread, through the `write` it passes,
/// in block order.
final class ParallelCompressor: @unchecked Sendable {
    // @unchecked Sendable: every mutable property below is read and written holding `condition`.
    private let condition = NSCondition()
    private var slots: [Int: Slot] = [:]
    /// The next block to write out, the next to hand to a compressor, the next to number.
    private var head = 0
    private var nextToCompress = 0
    private var nextSequence = 0
    private var closed = false
    private var failure: CompressionError?
    private var spareInputs: [[UInt8]] = []
    private var spareOutputs: [[UInt8]] = []
    private let maxInFlight: Int

    private struct Slot {
        var input: [UInt8]
        var output: [UInt8]?
    }

    typealias Writer = (UnsafeRawBufferPointer) throws -> Void

    init(format: CompressionFormat, threads: Int) throws {
        let threads = max(1, threads)
        self.maxInFlight = threads * 2 + 2
        for index in 0..<threads {
            let compressor = try BlockCompressor(format)
            let thread = Thread { [self] in self.compressLoop(compressor) }
            thread.name = "swiftdump-compress-\(index)"
            thread.start()
        }
    }

    /// Queues `block` (taking it) and returns an empty buffer to fill next. Writes out any
    /// blocks that are done; waits while too many are in flight.
    func submit(_ block: inout [UInt8], write: Writer) throws {
        condition.lock()
        while nextSequence - head >= maxInFlight && failure == nil {
            if let done = takeFinishedHead() {
                try writeUnlocked(done, write)
                continue
            }
            condition.wait()
        }
        if let failure {
            condition.unlock()
            throw OutputError(path: "the compressor", errorNumber: 0, action: "compress", detail: failure.description)
        }
        var fresh = spareInputs.popLast() ?? []
        fresh.removeAll(keepingCapacity: true)
        swap(&fresh, &block)
        slots[nextSequence] = Slot(input: fresh)
        nextSequence += 1
        condition.broadcast()
        while let done = takeFinishedHead() { try writeUnlocked(done, write) }
        condition.unlock()
    }

    /// Waits for every queued block and writes them out; the compressor threads then end.
    func finish(write: Writer) throws {
        condition.lock()
        while head < nextSequence && failure == nil {
            if let done = takeFinishedHead() {
                try writeUnlocked(done, write)
                continue
            }
            condition.wait()
        }
        closed = true
        condition.broadcast()
        let failure = self.failure
        condition.unlock()
        if let failure { throw OutputError(path: "the compressor", errorNumber: 0, action: "compress", detail: failure.description) }
    }

    /// Stops the compressor threads without writing what is queued.
    func abandon() {
        condition.lock()
        closed = true
        slots.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Holding the lock: the head block's compressed bytes if they are ready.
    private func takeFinishedHead() -> [UInt8]? {
        guard let output = slots[head]?.output else { return nil }
        slots[head] = nil
        head += 1
        condition.broadcast()
        return output
    }

    /// Holding the lock: writes `output` with the lock released, and takes it again — except
    /// on a throw, which returns with the lock released (the callers only propagate it).
    private func writeUnlocked(_ output: [UInt8], _ write: Writer) throws {
        condition.unlock()
        try output.withUnsafeBytes { try write($0) }
        condition.lock()
        spareOutputs.append(output)
    }

    private func compressLoop(_ compressor: BlockCompressor) {
        while true {
            condition.lock()
            while nextToCompress >= nextSequence && !closed { condition.wait() }
            // Closed: by finish() once all is written, or by abandon() with the queue dropped.
            if closed && (nextToCompress >= nextSequence || slots.isEmpty) {
                condition.unlock()
                return
            }
            let sequence = nextToCompress
            nextToCompress += 1
            let input = slots[sequence]?.input ?? []
            var output = spareOutputs.popLast() ?? []
            condition.unlock()

            var failed: CompressionError?
            do {
                try input.withUnsafeBytes { try compressor.compress($0, into: &output) }
            } catch {
                failed = error as? CompressionError ?? CompressionError(description: "\(error)")
            }

            condition.lock()
            if let failed { failure = failed }
            if slots[sequence] != nil {
                slots[sequence]?.output = output
                slots[sequence]?.input = []
            }
            spareInputs.append(input)
            condition.broadcast()
            condition.unlock()
        }
    }
}
