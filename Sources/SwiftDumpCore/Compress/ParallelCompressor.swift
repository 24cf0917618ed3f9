import Foundation
import MariaDBClient

/// Compresses a stream of blocks on several threads and hands the results back in order.
///
/// Blocks become independent zstd frames or gzip members (``BlockCompressor``), so the
/// concatenation is one file the stock tools decode. At most `maxInFlight` blocks wait or are
/// being compressed: a producer that runs ahead blocks in ``submit(_:write:)``, memory stays
/// bounded. The compressed blocks are written by the producer's thread, through the `write` it
/// passes, in block order, with no lock held.
final class ParallelCompressor: Sendable {
    private struct Slot {
        var input: [UInt8]
        var output: [UInt8]?
    }

    private struct State {
        var slots: [Int: Slot] = [:]
        /// The next block to write out, the next to hand to a compressor, the next to number.
        var head = 0
        var nextToCompress = 0
        var nextSequence = 0
        var closed = false
        var failure: CompressionError?
        var spareInputs: [[UInt8]] = []
        var spareOutputs: [[UInt8]] = []

        /// The head block's compressed bytes, if they are ready.
        mutating func takeFinishedHead() -> [UInt8]? {
            guard let output = slots[head]?.output else { return nil }
            slots[head] = nil
            head += 1
            return output
        }
    }

    /// What the producer does next while it waits.
    private enum Step {
        case write([UInt8])
        case proceed
        case failed(CompressionError)
    }

    private let state = Monitor(State())
    private let maxInFlight: Int

    typealias Writer = (UnsafeRawBufferPointer) throws -> Void

    init(format: CompressionFormat, threads: Int) throws {
        let threads = max(1, threads)
        // One block per thread being compressed and two more (one written out, one filled):
        // twice that was no faster and held 32 MiB more (a block is 4 MiB in, up to 4 MiB out).
        self.maxInFlight = threads + 2
        for index in 0..<threads {
            let compressor = try BlockCompressor(format)
            let thread = Thread { [self] in self.compressLoop(compressor) }
            thread.name = "swiftdump-compress-\(index)"
            thread.start()
        }
    }

    /// Queues `block` (taking it) and leaves an empty buffer to fill next. Writes out any
    /// blocks that are done; waits while too many are in flight.
    func submit(_ block: inout [UInt8], write: Writer) throws {
        let maxInFlight = self.maxInFlight
        try writeOut(write, until: { $0.nextSequence - $0.head < maxInFlight })
        state.withLock { state in
            var fresh = state.spareInputs.popLast() ?? []
            fresh.removeAll(keepingCapacity: true)
            swap(&fresh, &block)
            state.slots[state.nextSequence] = Slot(input: fresh)
            state.nextSequence += 1
        }
        try writeOut(write, until: { _ in true })
    }

    /// Waits for every queued block and writes them out; the compressor threads then end.
    func finish(write: Writer) throws {
        try writeOut(write, until: { $0.head == $0.nextSequence })
        state.withLock { $0.closed = true }
    }

    /// Stops the compressor threads without writing what is queued.
    func abandon() {
        state.withLock { state in
            state.closed = true
            state.slots.removeAll()
        }
    }

    /// Writes the finished blocks at the head in order, waiting for them while `done` does not
    /// hold; stops once it does and nothing finished is left.
    private func writeOut(_ write: Writer, until done: @escaping (State) -> Bool) throws {
        while true {
            let step = state.wait { state -> Step? in
                if let failure = state.failure { return .failed(failure) }
                if let output = state.takeFinishedHead() { return .write(output) }
                return done(state) ? .proceed : nil
            }
            switch step {
            case .failed(let failure):
                throw OutputError(path: "the compressor", errorNumber: 0, action: "compress", detail: failure.description)
            case .write(let output):
                try output.withUnsafeBytes { try write($0) }
                state.withLock { $0.spareOutputs.append(output) }
            case .proceed:
                return
            }
        }
    }

    private func compressLoop(_ compressor: BlockCompressor) {
        while true {
            // Closed: by finish() once all is written, or by abandon() with the queue dropped.
            let work = state.wait { state -> (sequence: Int, input: [UInt8], output: [UInt8])?? in
                if state.closed && (state.nextToCompress >= state.nextSequence || state.slots.isEmpty) { return .some(nil) }
                guard state.nextToCompress < state.nextSequence else { return nil }
                let sequence = state.nextToCompress
                state.nextToCompress += 1
                return .some((sequence, state.slots[sequence]?.input ?? [], state.spareOutputs.popLast() ?? []))
            }
            guard let (sequence, input, start) = work else { return }
            var output = start
            var failed: CompressionError?
            do {
                try input.withUnsafeBytes { try compressor.compress($0, into: &output) }
            } catch {
                failed = error as? CompressionError ?? CompressionError(description: "\(error)")
            }
            let compressed = output
            state.withLock { state in
                if let failed { state.failure = failed }
                if state.slots[sequence] != nil {
                    state.slots[sequence]?.output = compressed
                    state.slots[sequence]?.input = []
                }
                state.spareInputs.append(input)
            }
        }
    }
}
