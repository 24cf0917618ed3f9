import Foundation
import MariaDBClient
@testable import SwiftDumpCore
import Testing
import TestSupport

/// Generated bad input for the readers of untrusted bytes: the lexer and statement splitter
/// (with the classifier and the definition rewriters behind them) and the gzip and zstd
/// readers. Every input is read to its end or refused with an error — never a crash or a hang —
/// and the splitter gives the same statements however the input is cut into reads.
///
/// `SWIFTDUMP_FUZZ_INPUTS` sets how many inputs each test generates (CI: a short run;
/// `scripts/fuzz` runs millions in a release build); `SWIFTDUMP_FUZZ_SEED` replays a run.
@Suite("Fuzzing the readers of dumps")
struct FuzzTests {
    static let inputs = ProcessInfo.processInfo.environment["SWIFTDUMP_FUZZ_INPUTS"].flatMap(Int.init) ?? 20_000
    static let seed = ProcessInfo.processInfo.environment["SWIFTDUMP_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED

    /// Bytes handed out in pieces of the sizes `pieces` gives, in turn.
    final class PiecesReader: ByteReader {
        private let bytes: [UInt8]
        private var offset = 0
        private var pieces: SeededRandom
        private let largest: Int

        init(_ bytes: [UInt8], seed: UInt64, largest: Int) {
            self.bytes = bytes
            pieces = SeededRandom(state: seed)
            self.largest = largest
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(Int.random(in: 1...largest, using: &pieces), buffer.count, bytes.count - offset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            offset += count
            return count
        }
    }

    /// The SQL a dump is made of, in pieces: quotes, escapes, comments of every kind,
    /// delimiters, sql_mode switches, combining marks, and any byte.
    static let fragments: [[UInt8]] = [
        "'", "\"", "`", "\\", "\\'", "''", "``", ";", ";;", "$$", "//", "\n", "\r\n", " ", "\t",
        "/*", "*/", "/*!", "/*!50003 ", "/*M!", "/*M!100500 ", "/*M!999999\\- enable the sandbox mode */\n",
        "--", "-- ", "--\n", "#", "DELIMITER ;;\n", "DELIMITER $$\n", "DELIMITER ;\n", "delimiter //\n",
        "SET sql_mode = 'NO_BACKSLASH_ESCAPES';", "SET sql_mode = '';", "SET @saved = @@sql_mode;", "SET sql_mode = @saved;",
        "INSERT INTO `t` VALUES (1,'a\\'b'),(2,NULL);", "CREATE TABLE `a``b` (`x` int, KEY `k` (`x`), CONSTRAINT `f` FOREIGN KEY (`x`) REFERENCES `p` (`id`)) ENGINE=InnoDB;",
        "CREATE DEFINER=`u`@`h` TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW BEGIN SET @a = 1; END", "USE `db`;", "USE db;",
        "CREATE DATABASE `d`;", "DROP TABLE IF EXISTS `t`;", "LOCK TABLES `t` WRITE;", "@", "@@", "(", ")", ",", ".", "=",
        "END", "BEGIN", "\u{301}", "`\u{301}", "'\u{301}", "é", "\u{0}", "\u{1A}",
    ].map { Array($0.utf8) }

    static func generate(_ random: inout SeededRandom) -> [UInt8] {
        var bytes: [UInt8] = []
        let parts = Int.random(in: 0...40, using: &random)
        for _ in 0..<parts {
            if Int.random(in: 0..<5, using: &random) == 0 {
                bytes.append(UInt8.random(in: 0...255, using: &random))
            } else {
                bytes += fragments[Int.random(in: 0..<fragments.count, using: &random)]
            }
        }
        return bytes
    }

    /// Every statement the splitter gives for `input`, read in pieces of at most `largest`
    /// bytes into a buffer of `blockSize`; or the error it refused the input with.
    static func split(_ input: [UInt8], seed: UInt64, largest: Int, blockSize: Int) -> Result<[Statement], any Error> {
        Result {
            let splitter = StatementSplitter(reader: PiecesReader(input, seed: seed, largest: largest), blockSize: blockSize)
            var statements: [Statement] = []
            while let statement = try splitter.next() {
                statements.append(statement)
                // Each statement consumes input: more statements than bytes would be a loop.
                guard statements.count <= input.count + 1 else { throw InputError("the splitter did not advance") }
            }
            return statements
        }
    }

    @Test("generated SQL: the splitter reads every input to its end, gives the same statements however the input is cut, and each is the input's own bytes")
    func splitter() throws {
        var random = SeededRandom(state: Self.seed)
        var statements = 0
        for index in 0..<Self.inputs {
            let input = Self.generate(&random)
            let whole = Self.split(input, seed: 1, largest: 1 << 20, blockSize: 1 << 20)
            let cut = Self.split(input, seed: UInt64(index), largest: Int.random(in: 1...17, using: &random), blockSize: 16)
            let wholeStatements = try #require(try? whole.get(), "input \(index) was refused: \(input)")
            let cutStatements = try #require(try? cut.get(), "input \(index), read in pieces, was refused")
            #expect(wholeStatements.map(\.bytes) == cutStatements.map(\.bytes), "input \(index): \(String(decoding: input, as: UTF8.self))")
            #expect(wholeStatements.map(\.offset) == cutStatements.map(\.offset))
            for statement in wholeStatements {
                let start = Int(statement.offset)
                #expect(start + statement.bytes.count <= input.count && Array(input[start..<(start + statement.bytes.count)]) == statement.bytes)
                // What the restore does with a statement must not crash on it either.
                _ = StatementClassifier.classify(statement.bytes)
                _ = StatementClassifier.createdObject(statement.bytes)
                _ = IndexDeferral.split(statement.bytes, table: "t")
                _ = ForeignKeyDeferral.split(statement.bytes, removing: ["f"])
                _ = TableShape(createTable: statement.bytes)
                _ = DefinerClause.removed(from: statement.bytes)
                _ = DefinerClause.covered(statement.bytes, definerVersion: "50017", statementVersion: "50003", keyword: "TRIGGER")
                _ = InsertValues(statement.bytes, afterName: min(12, statement.bytes.count), hashing: true)
            }
            statements += wholeStatements.count
        }
        #expect(statements > Self.inputs / 2, "the generator made statements")
    }

    /// A reader of bytes already in memory, for the decompressing reader.
    final class MemoryReader: ByteReader {
        private let bytes: [UInt8]
        private var offset = 0
        private var random: SeededRandom

        init(_ bytes: [UInt8], seed: UInt64) {
            self.bytes = bytes
            random = SeededRandom(state: seed)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(Int.random(in: 1...4096, using: &random), buffer.count, bytes.count - offset)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
            offset += count
            return count
        }
    }

    @Test("damaged gzip and zstd input: decoded, or refused with an error; never a crash, a hang, or a wrong byte passed as right",
          arguments: [CompressionFormat.zstd(level: 3), .gzip(level: 6)])
    func decompressors(format: CompressionFormat) throws {
        var random = SeededRandom(state: Self.seed ^ 0xC0FFEE)
        // Two frames or members of generated SQL, as swiftdump writes them.
        let compressor = try BlockCompressor(format)
        var plain: [UInt8] = []
        var compressed: [UInt8] = []
        for _ in 0..<2 {
            var block: [UInt8] = []
            for _ in 0..<20 { block += Self.generate(&random) }
            var frame: [UInt8] = []
            try block.withUnsafeBytes { try compressor.compress($0, into: &frame) }
            plain += block
            compressed += frame
        }
        let kind: InputCompression = format.fileExtension == "zst" ? .zstd : .gzip
        var refused = 0
        var decoded = 0
        for index in 0..<max(1, Self.inputs / 4) {
            let damaged = index == 0 ? compressed : FuzzMutation.mutate(compressed, &random)
            let reader = try DecompressingReader(source: MemoryReader(damaged, seed: UInt64(index)), compression: kind, name: "fuzz")
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 + Int.random(in: 0...3000, using: &random))
            do {
                var reads = 0
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if count == 0 { break }
                    output += buffer[..<count]
                    reads += 1
                    guard reads < 1_000_000 else { Issue.record("input \(index): no end"); break }
                }
                decoded += 1
                // Checksums make an accepted input the original one (an undamaged frame cut off
                // at a frame's end is still accepted: it is a shorter valid file).
                #expect(plain.starts(with: output) || output == plain, "input \(index) decoded to bytes that were never written")
            } catch is InputError {
                refused += 1
            }
        }
        #expect(refused > 0 && decoded > 0)
    }
}
