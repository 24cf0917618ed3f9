import Foundation
import MariaDBClient
import Testing
import TestSupport

/// A temporary path for one test's dump, removed by the caller.
func scratchPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("swiftrestore-\(UUID().uuidString)-\(name)").path
}

/// Every table, row and object of `restored` equals `source`'s.
/// `ignoring`: tables of `restored` that are not the dump's.
func expectSameDatabase(_ source: String, _ restored: String, definitions: Bool = true, ignoring: Set<String> = [],
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
    let connection = try TestServer.connect()
    let left = try DatabaseFingerprint.of(source, connection: connection)
    let right = try DatabaseFingerprint.of(restored, connection: connection)
    let restoredTables = right.tables.filter { !ignoring.contains($0.name) }
    #expect(restoredTables.map(\.name) == left.tables.map(\.name), sourceLocation: sourceLocation)
    for (expected, actual) in zip(left.tables, restoredTables) {
        #expect(actual.rowCount == expected.rowCount, "\(expected.name): row count", sourceLocation: sourceLocation)
        #expect(actual.hashSums == expected.hashSums, "\(expected.name): row contents", sourceLocation: sourceLocation)
        if definitions {
            #expect(actual.createStatement == expected.createStatement, "\(expected.name): definition", sourceLocation: sourceLocation)
        }
    }
    #expect(right.objects == left.objects, sourceLocation: sourceLocation)
}

/// swiftdump's every output format, restored by swiftrestore with 1 and 4 connections.
@Suite("Restore round trips")
struct RestoreRoundTripTests {
    static let datasets: [Dataset] = [.values, .names, .hostile, .tables, .objects, .events, .sakila, .world]

    enum Format: String, CaseIterable, Sendable {
        case plain, gzip, zstd, dir

        var dumpArguments: [String] {
            switch self {
            case .plain: ["--compress-output=none"]
            case .gzip: ["--compress-output=gzip"]
            case .zstd: ["--compress-output=zstd"]
            case .dir: ["--format=dir"]
            }
        }
    }

    @Test("a dump in each format restores to an equal database", arguments: datasets, Format.allCases)
    func roundTrip(dataset: Dataset, format: Format) throws {
        try dataset.load()
        for threads in [1, 4] {
            let path = scratchPath(format.rawValue)
            defer { try? FileManager.default.removeItem(atPath: path) }
            // Small chunks, so that tables are cut and their pieces load side by side.
            let output = format == .dir ? ["-o", path] : ["-r", path]
            let dump = try StockTools.swiftdump(["-R", "-E", "--threads=\(threads)", "--chunk-size=16K"] + format.dumpArguments + output + [dataset.database])
            try #require(dump.status == 0, "swiftdump: \(dump.standardErrorText)")
            let target = "t_restore_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
            let restore = try StockTools.swiftrestore(["--threads=\(threads)", "--database", target, "--verify", path])
            #expect(restore.status == 0, "swiftrestore -j \(threads): \(restore.standardErrorText)")
            try expectSameDatabase(dataset.database, target)
        }
    }

    @Test("standard input, plain and compressed, restores like a file")
    func standardInput() throws {
        try Fixtures.load("fidelity_values")
        for compression in ["none", "zstd", "gzip"] {
            let dump = try StockTools.swiftdump(["--compress-output=\(compression)", "fidelity_values"])
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            let target = "t_stdin_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
            let restore = try StockTools.swiftrestore(["-j", "3", "--database", target, "--verify", "-"], input: dump.standardOutput)
            #expect(restore.status == 0, "\(compression): \(restore.standardErrorText)")
            try expectSameDatabase("fidelity_values", target)
        }
    }

    @Test("-B dumps of several databases (cross-database foreign keys) restore under their own names on another server")
    func severalDatabases() throws {
        try Fixtures.load("fidelity_order")
        let server = try ScratchServer()
        defer { server.stop() }
        for format in Format.allCases.map(\.dumpArguments) {
            let path = scratchPath("several")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let output = format == ["--format=dir"] ? ["-o", path] : ["-r", path]
            let dump = try StockTools.swiftdump(["-R", "-E", "--chunk-size=4K"] + format + output + ["-B", "fidelity_order", "fidelity_order_b"])
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            let restore = try StockTools.swiftrestore(["-j", "4", "--verify", path], socket: server.socket)
            #expect(restore.status == 0, "\(format): \(restore.standardErrorText)")
            let source = try TestServer.connect()
            let target = try server.connect()
            for database in ["fidelity_order", "fidelity_order_b"] {
                #expect(try DatabaseFingerprint.of(database, connection: target) == DatabaseFingerprint.of(database, connection: source), "\(database) \(format)")
            }
        }
    }
}
