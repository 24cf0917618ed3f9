import Foundation
import MariaDBClient
import Testing
import TestSupport

/// Real dumps with bytes flipped, inserted or deleted: swiftrestore refuses them (exit 7), or a
/// statement fails (2), or it loads them and --verify says whether the data equals the file's
/// (0 or 8) — never a crash or a hang. A plain file it loads means what the stock client makes
/// of it: both load into databases that compare equal. `SWIFTDUMP_MUTATIONS` sets how many
/// of each (CI: a few dozen; `scripts/fuzz`: more).
@Suite("Mutated dumps")
struct MutatedDumpTests {
    static let count = ProcessInfo.processInfo.environment["SWIFTDUMP_MUTATIONS"].flatMap(Int.init) ?? 30

    @Test("flipped, inserted and deleted bytes in plain, zstd and directory dumps", arguments: ["plain", "zstd", "dir"])
    func mutated(format: String) throws {
        try Fixtures.load("fidelity_values")
        let original = scratchPath("mutated-original-\(format)")
        defer { try? FileManager.default.removeItem(atPath: original) }
        let layout = format == "dir" ? ["--format=dir", "-o", original] : ["-r", original, "--compress-output=\(format == "zstd" ? "zstd" : "none")"]
        let dump = try StockTools.swiftdump(["--chunk-size=4K"] + layout + ["fidelity_values"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let connection = try TestServer.connect()
        var random = SeededRandom(state: 0xD0_0D ^ UInt64(format.utf8.count))
        var outcomes: [Int32: Int] = [:]
        for index in 0..<Self.count {
            let damaged = scratchPath("mutated-\(format)-\(index)")
            defer { try? FileManager.default.removeItem(atPath: damaged) }
            // One file of the dump (a directory's: one of its files) damaged.
            let victim: String
            if format == "dir" {
                try FileManager.default.copyItem(atPath: original, toPath: damaged)
                let files = (FileManager.default.enumerator(atPath: damaged)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".sql") }.sorted()
                victim = damaged + "/" + files[Int.random(in: 0..<files.count, using: &random)]
            } else {
                try FileManager.default.copyItem(atPath: original, toPath: damaged)
                victim = damaged
            }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: victim)))
            try Data(FuzzMutation.mutate(bytes, &random)).write(to: URL(fileURLWithPath: victim))

            let target = "t_mutated_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? connection.execute("DROP DATABASE IF EXISTS `\(target)`") }
            let restore = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"),
                                                try ["--no-defaults", "--socket=\(TestServer.endpoint().socket)", "--user=root",
                                                     "-j", "2", "--database", target, "--verify", damaged], timeout: 120)
            #expect([0, 2, 7, 8].contains(restore.status), "mutation \(index): exit \(restore.status): \(restore.standardErrorText)")
            outcomes[restore.status, default: 0] += 1
            if format != "plain" {
                // Checksums: a damaged compressed file or directory file is never applied.
                #expect(restore.status == 7, "mutation \(index) of a checksummed dump was not refused: \(restore.standardErrorText)")
            } else if restore.status == 0 {
                // Loaded: the stock client makes the same of the damaged file.
                let stock = "t_mutated_stock_\(UInt32.random(in: 0..<UInt32.max))"
                defer { _ = try? connection.execute("DROP DATABASE IF EXISTS `\(stock)`") }
                try connection.execute("CREATE DATABASE `\(stock)`")
                let loaded = try StockTools.load(database: stock, input: bytes == [] ? [] : Array(try Data(contentsOf: URL(fileURLWithPath: victim))))
                if loaded.status == 0 {
                    #expect(try DatabaseFingerprint.of(target, connection: connection).tables == DatabaseFingerprint.of(stock, connection: connection).tables,
                            "mutation \(index): swiftrestore and mysql load the damaged file differently")
                }
            }
        }
        #expect(outcomes.values.reduce(0, +) == Self.count, "\(outcomes)")
    }
}
