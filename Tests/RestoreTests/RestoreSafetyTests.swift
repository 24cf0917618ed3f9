import Foundation
import MariaDBClient
import Testing
import TestSupport

/// Inputs that must be refused before anything is applied, and failures that must say where.
@Suite("Restore safety")
struct RestoreSafetyTests {
    /// True if `database` exists on the test server.
    static func exists(_ database: String) throws -> Bool {
        try !TestServer.connect().query("SHOW DATABASES LIKE '\(database)'").rows.isEmpty
    }

    /// Offsets to cut `dump` at: spread over the whole file, plus the places named in the
    /// requirements (inside a multi-byte character, inside a versioned comment, right after a
    /// complete `),` row line, just before the completion line).
    static func cuts(_ dump: [UInt8]) -> [(offset: Int, why: String)] {
        var cuts = (1...50).map { (dump.count * $0 / 52, "at \($0)/52 of the file") }
        if let multibyte = dump.firstIndex(where: { $0 >= 0xC2 && $0 <= 0xF4 }) { cuts.append((multibyte + 1, "inside a multi-byte character")) }
        let text = Array(dump)
        if let comment = text.firstRange(of: Array("/*!40101".utf8)) { cuts.append((comment.lowerBound + 5, "inside a versioned comment")) }
        if let row = text.firstRange(of: Array("),\n(".utf8)) { cuts.append((row.lowerBound + 3, "right after a complete ),\\n row line")) }
        if let trailer = text.firstRange(of: Array("-- Dump completed".utf8)) { cuts.append((trailer.lowerBound - 1, "just before the completion line")) }
        return cuts
    }

    @Test("a dump cut anywhere is refused with nothing applied: plain, gzip and zstd")
    func truncated() throws {
        try Fixtures.load("fidelity_values")
        for compression in ["none", "gzip", "zstd"] {
            // Without the 12 MB value: 160 restores of a debug build must stay quick.
            let dump = try StockTools.swiftdump(["--compress-output=\(compression)", "--ignore-table=fidelity_values.big_values", "-B", "fidelity_values"])
            try #require(dump.status == 0)
            let bytes = dump.standardOutput
            var checked = 0
            for (offset, why) in Self.cuts(bytes) {
                let target = "t_cut_\(UInt32.random(in: 0..<UInt32.max))"
                let restore = try StockTools.swiftrestore(["--database", target, "-"], input: Array(bytes[..<offset]))
                #expect(restore.status == 7, "\(compression), cut \(why) (byte \(offset)): \(restore.standardErrorText)")
                #expect(!restore.standardErrorText.isEmpty)
                #expect(try !Self.exists(target), "\(compression), cut \(why): nothing may be applied")
                checked += 1
            }
            // Compressed files have no plain-text landmarks: only the 50 spread-out cuts.
            #expect(checked >= (compression == "none" ? 54 : 50))
        }
    }

    @Test("damaged gzip and zstd files fail with a clear error: a flipped byte, a missing end, an empty file")
    func damaged() throws {
        try Fixtures.load("fidelity_values")
        for (compression, name) in [("gzip", "gzip"), ("zstd", "zstd")] {
            let dump = try StockTools.swiftdump(["--compress-output=\(compression)", "fidelity_values"])
            try #require(dump.status == 0)
            var flipped = dump.standardOutput
            flipped[flipped.count / 2] ^= 0x55
            let target = "t_damaged_\(UInt32.random(in: 0..<UInt32.max))"
            let restore = try StockTools.swiftrestore(["--database", target, "-"], input: flipped)
            #expect(restore.status == 7, "\(name) flipped byte: \(restore.standardErrorText)")
            #expect(restore.standardErrorText.contains(name), "\(restore.standardErrorText)")
            #expect(try !Self.exists(target))

            let cut = Array(dump.standardOutput.dropLast(6))
            let truncated = try StockTools.swiftrestore(["--database", target, "-"], input: cut)
            #expect(truncated.status == 7, "\(name) without its end: \(truncated.standardErrorText)")
            #expect(truncated.standardErrorText.contains("truncated"), "\(truncated.standardErrorText)")
            #expect(try !Self.exists(target))
        }
        let empty = scratchPath("empty.sql")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let restore = try StockTools.swiftrestore(["--database", "t_never", empty])
        #expect(restore.status == 7)
        #expect(restore.standardErrorText.contains("empty"))
    }

    @Test("a failing statement stops the restore with file, line, statement and the server's error; --force lists them all")
    func failingStatement() throws {
        let sql = """
            -- a dump with a broken statement on line 6
            CREATE TABLE good (id INT PRIMARY KEY);
            INSERT INTO good VALUES (1),(2);

            CREATE TABLE other (id INT PRIMARY KEY);
            INSERT INTO missing_table VALUES (1);
            INSERT INTO other VALUES (7);
            -- Dump completed on 2026-01-01

            """
        let path = scratchPath("broken.sql")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(sql.utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let target = try TestServer.makeDatabase("broken")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(target)`") }
        let restore = try StockTools.swiftrestore(["-j", "1", "--database", target, path])
        #expect(restore.status == 2, "\(restore.standardErrorText)")
        #expect(restore.standardErrorText.contains("\(path), line 6"), "\(restore.standardErrorText)")
        #expect(restore.standardErrorText.contains("ERROR 1146"), "\(restore.standardErrorText)")
        #expect(restore.standardErrorText.contains("INSERT INTO missing_table VALUES (1)"))

        let second = try TestServer.makeDatabase("forced")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(second)`") }
        let forced = try StockTools.swiftrestore(["-j", "2", "--force", "--database", second, path])
        #expect(forced.status == 2, "still non-zero")
        #expect(forced.standardErrorText.contains("1 statement(s) failed"), "\(forced.standardErrorText)")
        #expect(forced.standardErrorText.contains("\(path), line 6"), "\(forced.standardErrorText)")
        #expect(try TestServer.connect(database: second).query("SELECT id FROM other").rows.first?.string(0) == "7", "the rest was applied")
    }

    @Test("exit codes: 1 for usage, 2 for server errors, 7 for refused input")
    func exitCodes() throws {
        let usage = try StockTools.swiftrestore(["--no-such-option", "x.sql"])
        #expect(usage.status == 1, "\(usage.standardErrorText)")
        let twoInputs = try StockTools.swiftrestore(["a.sql", "b.sql"])
        #expect(twoInputs.status == 1)
        let missing = try StockTools.swiftrestore(["/nonexistent/dump.sql"])
        #expect(missing.status == 7)
        let path = scratchPath("ok.sql")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("CREATE TABLE t (id INT);\n-- Dump completed\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let noDatabase = try StockTools.swiftrestore([path])
        #expect(noDatabase.status == 1, "a dump that names no database needs --database: \(noDatabase.standardErrorText)")
        let unreachable = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), ["--no-defaults", "--socket=/nonexistent.sock", "--protocol=socket", "--database=x", path])
        #expect(unreachable.status == 2, "\(unreachable.standardErrorText)")
    }

    @Test("a directory without its manifest, or with a changed file, is refused with nothing applied")
    func directoryChecks() throws {
        try Fixtures.load("fidelity_tables")
        let directory = scratchPath("dir")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(["--format=dir", "-o", directory, "fidelity_tables"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let target = "t_dircheck_\(UInt32.random(in: 0..<UInt32.max))"
        defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }

        // A data file changed by one byte.
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".00001.sql") }.sorted()
        let changed = directory + "/" + files[0]
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: changed)))
        let original = bytes
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: changed))
        let refused = try StockTools.swiftrestore(["--database", target, directory])
        #expect(refused.status == 7, "\(refused.standardErrorText)")
        #expect(refused.standardErrorText.contains(files[0]))
        #expect(try !Self.exists(target))
        try Data(original).write(to: URL(fileURLWithPath: changed))

        // No manifest: the dump did not finish.
        try FileManager.default.moveItem(atPath: directory + "/manifest.json", toPath: directory + "/manifest.moved")
        let unfinished = try StockTools.swiftrestore(["--database", target, directory])
        #expect(unfinished.status == 7)
        #expect(unfinished.standardErrorText.contains("manifest.json"))
        #expect(try !Self.exists(target))
        let forced = try StockTools.swiftrestore(["--database", target, "--force", directory])
        #expect(forced.status == 0, "\(forced.standardErrorText)")
        #expect(forced.standardErrorText.contains("no manifest.json"))
        try expectSameDatabase("fidelity_tables", target)
    }
}
