@_spi(Benchmarks) @testable import SwiftDumpCore
import Testing
import TestSupport

/// Plays the writer's side of a ``StreamOrder``: takes parts and batches while they are ready.
private struct Writer {
    var joiner: InsertJoiner?
    var chunk: Int?
    var ended = false
    let output = CollectedBytes()

    /// Writes what is ready; false when it has to wait.
    mutating func step(_ order: inout StreamOrder) throws -> Bool {
        if let number = chunk {
            switch order.nextBatch(of: number) {
            case .ready(let batch):
                try joiner?.join(batch, to: output)
                return true
            case .end:
                chunk = nil
                return true
            case .wait:
                return false
            }
        }
        switch order.nextPart() {
        case .ready(.text(let bytes)): try output.write(bytes)
        case .ready(.beginRows(let rowsJoiner)): joiner = rowsJoiner
        case .ready(.chunk(let number)): chunk = number
        case .ready(.endRows):
            try joiner?.finish(to: output)
            joiner = nil
        case .wait: return false
        case .end: ended = true
        }
        return true
    }
}

@Suite("StreamOrder: the single stream in order, whatever order the readers finish in")
struct StreamOrderTests {
    @Test("text, tables and their chunks come out as one reader would write them; readers push in any order", arguments: 0..<30)
    func anyInterleaving(seed: Int) throws {
        var random = SeededRandom(state: UInt64(seed) &+ 1234)
        let net = 1_000
        let start = "INSERT INTO `t` VALUES\n"
        // Tables of chunks of rows; the expected stream joins each table's rows in one piece.
        let tables = (0..<Int.random(in: 1...5, using: &random)).map { _ in
            (0..<Int.random(in: 1...4, using: &random)).map { _ in
                (0..<Int.random(in: 0...60, using: &random)).map { _ in String(repeating: "r", count: Int.random(in: 1...80, using: &random)) }
            }
        }
        var expected = ""
        for (index, chunks) in tables.enumerated() {
            expected += "-- table \(index)\n"
            expected += try joined(rowBatches(chunks.flatMap { $0 }, batchSize: 1 << 20), start: start, netBufferLength: net)
            expected += "-- end \(index)\n"
        }
        expected += "-- the end\n"

        var order = StreamOrder(budget: 4_000, headBudget: 1_000)
        // The dumper's appends, in order; then each chunk's batches, pushed by its reader.
        var pending: [(chunk: Int, batches: [RowBatch])] = []
        var appends: [(inout StreamOrder) -> Void] = []
        for (index, chunks) in tables.enumerated() {
            appends.append { order in Array("-- table \(index)\n".utf8).withUnsafeBytes { order.appendText($0) } }
            appends.append { order in order.beginRows(InsertJoiner(statementStart: Array(start.utf8), extended: true, netBufferLength: net)) }
            var firstID = 1
            for rows in chunks {
                let batches = try rowBatches(rows, batchSize: Int.random(in: 50...400, using: &random), firstID: firstID)
                firstID += rows.count
                appends.append { order in pending.append((order.appendChunk(), batches)) }
            }
            appends.append { order in order.endRows() }
            appends.append { order in Array("-- end \(index)\n".utf8).withUnsafeBytes { order.appendText($0) } }
        }
        appends.append { order in Array("-- the end\n".utf8).withUnsafeBytes { order.appendText($0) } }
        appends.append { order in order.finishAppending() }

        var writer = Writer()
        var stalls = 0
        while !writer.ended {
            var moved = false
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !appends.isEmpty:
                appends.removeFirst()(&order)
                moved = true
            case 1 where !pending.isEmpty:
                // A reader of any chunk pushes its next batch, if the budget lets it.
                let index = Int.random(in: 0..<pending.count, using: &random)
                let number = pending[index].chunk
                if order.mayPush(chunk: number) {
                    if pending[index].batches.isEmpty {
                        order.endChunk(number)
                        pending.remove(at: index)
                    } else {
                        order.push(pending[index].batches.removeFirst(), chunk: number)
                    }
                    moved = true
                }
            default:
                moved = try writer.step(&order)
            }
            stalls = moved ? 0 : stalls + 1
            #expect(order.bufferedBytes >= 0)
            if stalls > 10_000 {
                Issue.record("the stream stopped: \(appends.count) appends and \(pending.count) chunks left")
                return
            }
        }
        #expect(writer.output.text == expected)
        #expect(order.bufferedBytes == 0)
    }

    @Test("memory: a reader ahead of the writer waits at the budget; the chunk being written may always take one more batch")
    func budgets() throws {
        var order = StreamOrder(budget: 1_000, headBudget: 500)
        order.beginRows(InsertJoiner(statementStart: [], extended: true, netBufferLength: 100))
        let head = order.appendChunk()
        let ahead = order.appendChunk()
        let batch = try rowBatches([String(repeating: "z", count: 1_200)])[0]
        // Nothing buffered: either may push, whatever the size.
        #expect(order.mayPush(chunk: ahead))
        order.push(batch, chunk: ahead)
        #expect(!order.mayPush(chunk: ahead), "over the budget, a chunk not being written waits")
        // The writer reaches the head chunk: its reader has its own allowance.
        guard case .ready(.beginRows) = order.nextPart(), case .ready(.chunk(head)) = order.nextPart() else {
            Issue.record("the writer should be at the first chunk"); return
        }
        #expect(order.mayPush(chunk: head), "the chunk being written is never held back by the others")
        order.push(batch, chunk: head)
        #expect(!order.mayPush(chunk: head), "over its own allowance, the head chunk waits for the writer")
        guard case .ready = order.nextBatch(of: head) else { Issue.record("no batch for the writer"); return }
        #expect(order.mayPush(chunk: head))
    }

    @Test("a failure is kept: the first one")
    func failure() {
        struct First: Error {}
        struct Second: Error {}
        var order = StreamOrder()
        order.fail(First())
        order.fail(Second())
        #expect(order.failure is First)
    }
}
