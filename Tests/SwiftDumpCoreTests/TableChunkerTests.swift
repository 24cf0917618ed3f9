@testable import SwiftDumpCore
import Testing
import TestSupport

private func text(_ sql: SQLText?) -> String? { sql.map { String(decoding: $0.bytes, as: UTF8.self) } }

@Suite("TableChunker and RowSelection: how a table is cut and read, without a server")
struct TableChunkerTests {
    @Test("pieces: one unless the table is bigger than a chunk, at most 4096")
    func pieces() {
        #expect(TableChunker.pieces(estimatedBytes: 0, chunkSize: 64 << 20) == 1)
        #expect(TableChunker.pieces(estimatedBytes: 64 << 20, chunkSize: 64 << 20) == 1)
        #expect(TableChunker.pieces(estimatedBytes: (64 << 20) + 1, chunkSize: 64 << 20) == 2)
        #expect(TableChunker.pieces(estimatedBytes: 10 << 30, chunkSize: 64 << 20) == 160)
        #expect(TableChunker.pieces(estimatedBytes: 1 << 50, chunkSize: 1 << 20) == 4096)
        #expect(TableChunker.pieces(estimatedBytes: 1 << 40, chunkSize: 0) == 1, "--chunk-size 0: never cut")
    }

    @Test("integer boundaries: even, strictly increasing, inside the key's range, exact over BIGINT UNSIGNED")
    func integerBoundaries() {
        #expect(TableChunker.integerBoundaries(minimum: 1, maximum: 1000, pieces: 4) == [251, 501, 751])
        #expect(TableChunker.integerBoundaries(minimum: 5, maximum: 5, pieces: 8).isEmpty, "one value: one piece")
        // Fewer values than pieces: each boundary once.
        #expect(TableChunker.integerBoundaries(minimum: 0, maximum: 2, pieces: 10) == [1, 2])
        #expect(TableChunker.integerBoundaries(minimum: -100, maximum: 100, pieces: 2) == [0])
        var random = SeededRandom(state: 5)
        for _ in 0..<100 {
            let minimum = Int128(Int64.random(in: -1_000_000_000...1_000_000_000, using: &random))
            let maximum = minimum + Int128(Int64.random(in: 0...5_000_000_000, using: &random))
            let pieces = Int.random(in: 2...600, using: &random)
            let values = TableChunker.integerBoundaries(minimum: minimum, maximum: maximum, pieces: pieces)
            #expect(values.count <= pieces - 1)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
            #expect(values.allSatisfy { $0 > minimum && $0 <= maximum })
        }
        // BIGINT's and BIGINT UNSIGNED's whole ranges, to the last unit.
        #expect(TableChunker.integerBoundaries(minimum: 0, maximum: Int128(UInt64.max), pieces: 4)
                == [4_611_686_018_427_387_904, 9_223_372_036_854_775_808, 13_835_058_055_282_163_712])
        #expect(TableChunker.integerBoundaries(minimum: Int128(Int64.min), maximum: Int128(Int64.max), pieces: 2) == [0])
    }

    @Test("spans gathered into pieces: none under a quarter of the target, none over 1.5 targets unless one span is")
    func pieceStarts() {
        // The estimates of a CI run: a string key's probes found three values close together
        // after a span that nearly filled its piece; they made a piece of 3 rows.
        #expect(TableChunker.pieceStarts(rows: [2000, 2499, 1, 1, 2600], target: 2000) == [1, 4])
        #expect(TableChunker.pieceStarts(rows: [1, 1, 2600, 2600], target: 2000) == [3], "small first spans join the next")
        #expect(TableChunker.pieceStarts(rows: [2000, 2400, 300, 200], target: 2000) == [1], "a short tail joins the piece before")
        #expect(TableChunker.pieceStarts(rows: [1000, 1000, 1000, 1000], target: 2000) == [2])
        #expect(TableChunker.pieceStarts(rows: [5, 5], target: 2000).isEmpty)
        #expect(TableChunker.pieceStarts(rows: [], target: 2000).isEmpty)
        var random = SeededRandom(state: 11)
        for _ in 0..<2000 {
            let target = Double.random(in: 10...10_000, using: &random)
            // Spans as the cutter leaves them: most below two targets, runs of tiny ones, a few
            // it could not cut (one value) far above.
            let rows = (0..<Int.random(in: 1...60, using: &random)).map { _ -> Double in
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4: Double(Int.random(in: 0...3, using: &random))
                case 4: target * Double.random(in: 2...6, using: &random)
                default: target * Double.random(in: 0...2, using: &random)
                }
            }
            let starts = TableChunker.pieceStarts(rows: rows, target: target)
            #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 } && starts.allSatisfy { $0 > 0 && $0 < rows.count })
            let bounds = [0] + starts + [rows.count]
            let pieces = zip(bounds, bounds.dropFirst()).map { rows[$0.0..<$0.1] }
            for (number, piece) in pieces.enumerated() {
                let sum = piece.reduce(0, +)
                if pieces.count > 1 { #expect(sum >= target / 4, "piece \(number) of \(pieces.map { $0.reduce(0, +) }), target \(target)") }
                let allowance = number == pieces.count - 1 ? target / 4 : 0
                #expect(sum <= target * 1.5 + allowance || piece.contains { $0 > target * 1.25 },
                        "piece \(number): \(Array(piece)), target \(target)")
            }
        }
    }

    @Test("ranges cover every value once: below the first boundary, between each pair, from the last on; composite keys as tuples")
    func ranges() {
        let ranges = TableChunker.ranges(on: ["id"], boundaries: [["10"], ["20"]]).map(text)
        #expect(ranges == ["`id` < 10", "`id` >= 10 AND `id` < 20", "`id` >= 20"])
        #expect(TableChunker.ranges(on: ["id"], boundaries: []).count == 1)
        #expect(TableChunker.ranges(on: ["id"], boundaries: []).first! == nil)
        // The key's name is quoted byte by byte: a backtick and a combining mark stay inside.
        let hostile = SQLName(bytes: Array("a`\u{301}x".utf8))
        #expect(text(TableChunker.ranges(on: [hostile], boundaries: [["1"]])[0]) == "`a``\u{301}x` < 1")
        // A boundary is a prefix of the key: (1) starts every row with a = 1, (1, 'm') the
        // rows from (1, 'm') on.
        let composite = TableChunker.ranges(on: ["a", "b"], boundaries: [["1"], ["1", "'m'"], ["2"]]).map(text)
        #expect(composite == [
            "`a` < 1",
            "`a` >= 1 AND (`a` < 1 OR (`a` = 1 AND `b` < 'm'))",
            "(`a` > 1 OR (`a` = 1 AND `b` >= 'm')) AND `a` < 2",
            "`a` >= 2",
        ])
    }

    @Test("string probes: between the bounds, in order, printable for text; binary keys as hex literals")
    func probes() {
        let low = Array("customer-0001".utf8)
        let high = Array("customer-9999".utf8)
        var previous: [UInt8] = []
        for index in 1..<8 {
            let probe = TableChunker.probe(between: low, and: high, fraction: Double(index) / 8, binary: false)
            #expect(probe.starts(with: Array("customer-".utf8)), "the common prefix is kept")
            #expect(probe.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "text probes stay printable ASCII")
            #expect(probe.lexicographicallyPrecedes(high) && !probe.lexicographicallyPrecedes(low))
            #expect(!probe.lexicographicallyPrecedes(previous), "probes increase with the fraction")
            previous = probe
        }
        let binary = TableChunker.probe(between: [0x00, 0x10], and: [0x00, 0xF0], fraction: 0.5, binary: true)
        #expect(binary.first == 0x00 && binary[1] > 0x10 && binary[1] < 0xF0)
        #expect(text(TableChunker.literal([0x0A, 0x27, 0xFF], binary: true)) == "X'0A27FF'")
        #expect(text(TableChunker.literal(Array("it's\n".utf8), binary: false)) == "'it\\'s\\n'")
    }

    private func column(_ name: SQLName, generated: Bool = false, invisible: Bool = false, period: Bool = false, type: String = "int") -> Catalog.ColumnInfo {
        Catalog.ColumnInfo(name: name, isGenerated: generated, isInvisible: invisible, defaultUsesSequence: false, isRowPeriod: period, dataType: type)
    }

    @Test("RowSelection: generated columns left out (with a column list), ranges within --where, ORDER BY last")
    func selection() throws {
        let table = TableID(database: "shop", table: "order")
        let columns = [column("id"), column("total", generated: true), column("note")]
        let selection = try #require(try RowSelection(table: table, columns: columns, history: false, completeInsert: false, orderColumns: ["id"]))
        #expect(selection.columns == ["id", "note"])
        #expect(selection.needsColumnList)
        let queries = selection.queries(ranges: ["`id` < 10", nil], condition: "note <> ''").map { text($0)! }
        #expect(queries == [
            "SELECT /*!40001 SQL_NO_CACHE */ `id`, `note` FROM `shop`.`order` WHERE (note <> '') AND `id` < 10 ORDER BY `id`",
            "SELECT /*!40001 SQL_NO_CACHE */ `id`, `note` FROM `shop`.`order` WHERE note <> '' ORDER BY `id`",
        ])
        let plain = try #require(try RowSelection(table: table, columns: [column("id")], history: false, completeInsert: false, orderColumns: []))
        #expect(!plain.needsColumnList)
        #expect(plain.queries(ranges: [nil], condition: nil).map { text($0)! } == ["SELECT /*!40001 SQL_NO_CACHE */ `id` FROM `shop`.`order`"])
        let invisible = try #require(try RowSelection(table: table, columns: [column("id"), column("secret", invisible: true)], history: false,
                                                      completeInsert: false, orderColumns: []))
        #expect(invisible.needsColumnList, "an INVISIBLE column is left out of INSERT without a list")
        #expect(try RowSelection(table: table, columns: [column("g", generated: true)], history: false, completeInsert: false, orderColumns: []) == nil)
    }

    @Test("RowSelection with history: every row version, the implicit period by name; transaction-precise history refused")
    func history() throws {
        let table = TableID(database: "d", table: "v")
        let implicit = try #require(try RowSelection(table: table, columns: [column("id")], history: true, completeInsert: false, orderColumns: []))
        #expect(text(implicit.extraColumns) == ", row_start, row_end")
        #expect(implicit.queries(ranges: [nil], condition: nil).map { text($0)! } == ["SELECT /*!40001 SQL_NO_CACHE */ `id`, row_start, row_end FROM `d`.`v` FOR SYSTEM_TIME ALL"])
        let explicit = try #require(try RowSelection(table: table, columns: [column("id"), column("s", generated: true, period: true, type: "timestamp")],
                                                     history: true, completeInsert: false, orderColumns: []))
        #expect(explicit.columns == ["id", "s"])
        #expect(throws: DumpError.self) {
            try RowSelection(table: table, columns: [column("id"), column("s", generated: true, period: true, type: "bigint")],
                             history: true, completeInsert: false, orderColumns: [])
        }
    }
}
