import Foundation
import SwiftDumpCore
import Testing
import TestSupport

/// XXH64 as the stock `xxhsum -H64` computes it (the oracle), whole and fed in pieces.
@Suite("XXH64 checksums")
struct ChecksumTests {
    /// Inputs around every boundary of the algorithm (4, 8, 32 bytes) and a few large ones.
    static let lengths = Array(0...70) + [127, 128, 129, 1000, 4096, 65_537, 1_000_003]

    private static func input(length: Int) -> [UInt8] {
        var random = SeededRandom(state: UInt64(length) &+ 17)
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// One run of xxhsum over many files: its values by length.
    private static func oracle() throws -> [Int: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xxh64-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for length in lengths {
            let path = directory.appendingPathComponent("\(length)").path
            try Data(input(length: length)).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let outcome = try ProcessRunner.run("/usr/bin/xxhsum", ["-H64"] + paths)
        #expect(outcome.status == 0, "\(outcome.standardErrorText)")
        var values: [Int: String] = [:]
        for line in outcome.standardOutputText.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let length = Int(fields[1].split(separator: "/").last!) else { continue }
            values[length] = String(fields[0])
        }
        return values
    }

    @Test("equals xxhsum -H64 for every length around the algorithm's boundaries, whole and in pieces")
    func matchesXXHSum() throws {
        let expected = try Self.oracle()
        #expect(expected.count == Self.lengths.count)
        var random = SeededRandom(state: 99)
        for length in Self.lengths {
            let bytes = Self.input(length: length)
            let whole = bytes.withUnsafeBytes { XXHash64.hash($0) }
            #expect(XXHash64.hex(whole) == expected[length], "length \(length), whole")
            var streamed = XXHash64()
            var offset = 0
            while offset < length {
                let piece = min(length - offset, Int.random(in: 1...40, using: &random))
                bytes.withUnsafeBytes { streamed.update(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + piece])) }
                offset += piece
            }
            #expect(XXHash64.hex(streamed.value) == expected[length], "length \(length), in pieces")
        }
    }
}
