@_spi(Benchmarks) @testable import SwiftDumpCore
import Testing
import TestSupport

@Suite("InsertJoiner: INSERT statements broken where mariadb-dump breaks them, whatever the batches")
struct InsertJoinerTests {
    @Test("a row joins the statement while its accounted length stays below net_buffer_length")
    func breaksByLength() throws {
        // Each row `(n,'aaaa')` is 10 bytes, accounted as 12; the start is 23 bytes. A statement
        // opens at 12 + 23 + 4 = 39 and takes rows while the sum stays below 75: 51, 63 (75 is
        // not below it).
        let batches = try rowBatches(Array(repeating: "aaaa", count: 7))
        let text = try joined(batches, netBufferLength: 75)
        #expect(text == """
            INSERT INTO `t` VALUES
            (1,'aaaa'),
            (2,'aaaa'),
            (3,'aaaa');
            INSERT INTO `t` VALUES
            (4,'aaaa'),
            (5,'aaaa'),
            (6,'aaaa');
            INSERT INTO `t` VALUES
            (7,'aaaa');

            """)
    }

    @Test("one INSERT per row without --extended-insert")
    func oneRowEach() throws {
        let batches = try rowBatches(["a", "it's"], extended: false)
        let text = try joined(batches, start: "INSERT INTO `t` VALUES ", extended: false, netBufferLength: 1 << 20)
        #expect(text == "INSERT INTO `t` VALUES (1,'a');\nINSERT INTO `t` VALUES (2,'it\\'s');\n")
    }

    @Test("no rows: no statement")
    func empty() throws {
        #expect(try joined([], netBufferLength: 1_000).isEmpty)
    }

    @Test("the same statements however the rows are cut into batches (as N readers cut a table into chunks)", arguments: 0..<25)
    func batchBoundaries(seed: Int) throws {
        var random = SeededRandom(state: UInt64(seed + 1))
        let names = (0..<Int.random(in: 1...400, using: &random)).map { _ in
            String(repeating: "x", count: Int.random(in: 0...300, using: &random)) + (Bool.random(using: &random) ? "'\n\\" : "")
        }
        let net = Int.random(in: 64...4_096, using: &random)
        let whole = try joined(rowBatches(names, batchSize: 1 << 20), netBufferLength: net)
        let single = try joined(rowBatches(names, batchSize: 1), netBufferLength: net)
        let some = try joined(rowBatches(names, batchSize: Int.random(in: 100...5_000, using: &random)), netBufferLength: net)
        #expect(single == whole)
        #expect(some == whole)
        // Every row is there once, in order, and every statement is ended.
        #expect(whole.components(separatedBy: "INSERT INTO").count - 1 == whole.components(separatedBy: ");\n").count - 1)
        var joiner = InsertJoiner(statementStart: Array("INSERT INTO `t` VALUES\n".utf8), extended: true, netBufferLength: net)
        for batch in try rowBatches(names, batchSize: 777) { try joiner.join(batch, to: CollectedBytes()) }
        #expect(joiner.rowCount == UInt64(names.count))
    }
}
