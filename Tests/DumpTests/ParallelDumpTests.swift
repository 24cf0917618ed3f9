import Foundation
import MariaDBClient
import Testing
import TestSupport

/// The parallel dump: chunks, one snapshot across connections, compressed streams, directories.
@Suite("Parallel dump")
struct ParallelDumpTests {
    /// Loads a directory dump with the stock client: its files in the manifest's order, each
    /// data or schema file under its database, the objects file as it is.
    static func loadDirectory(_ directory: String, into target: String? = nil) throws {
        let manifest = try manifestObject(directory)
        for file in manifest["files"] as? [[String: Any]] ?? [] {
            let path = directory + "/" + (file["path"] as? String ?? "")
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            if path.hasSuffix(".zst") {
                bytes = try ProcessRunner.run("/usr/bin/zstd", ["-dc", path]).standardOutput
            }
            let kind = file["kind"] as? String
            if kind == "database" && target != nil { continue }
            let database = kind == "objects" ? nil : target ?? file["database"] as? String
            if kind == "objects", let target {
                // One database: its USE lines name the source.
                let text = String(decoding: bytes, as: UTF8.self).replacing(/USE `[^`]*`;/, with: "USE `\(target)`;")
                bytes = Array(text.utf8)
            }
            try StockTools.mysql(database: database, input: bytes)
        }
    }

    static func manifestObject(_ directory: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func scratchDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-dir-\(UInt32.random(in: 0..<UInt32.max))").path
    }

    /// Tables whose keys chunking must handle: gaps, composite, string, binary, NULLs in a
    /// unique key (no chunking key then), one row, empty.
    static func makeKeyTables() throws -> String {
        let database = try TestServer.makeDatabase("chunks")
        let connection = try TestServer.connect(database: database)
        try connection.execute("CREATE TABLE gaps (id BIGINT PRIMARY KEY, v VARCHAR(40))")
        try connection.execute("INSERT INTO gaps SELECT seq * seq, REPEAT('g', seq % 40) FROM seq_1_to_3000")
        try connection.execute("INSERT INTO gaps VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max')")
        try connection.execute("CREATE TABLE composite (a INT, b VARCHAR(20), v TEXT, PRIMARY KEY (a, b))")
        try connection.execute("INSERT INTO composite SELECT seq % 37, CONCAT('b', seq), REPEAT('x', 50) FROM seq_1_to_4000")
        try connection.execute("CREATE TABLE strings (name VARCHAR(60) PRIMARY KEY, v INT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci")
        try connection.execute("INSERT INTO strings SELECT CONCAT(CHAR(65 + seq % 26), 'ä', MD5(seq)), seq FROM seq_1_to_4000")
        try connection.execute("INSERT INTO strings VALUES ('', 0), ('日本語', 1), ('zzzz\\'quote', 2)")
        try connection.execute("CREATE TABLE binaries (k VARBINARY(32) PRIMARY KEY, v INT)")
        try connection.execute("INSERT INTO binaries SELECT UNHEX(MD5(seq)), seq FROM seq_1_to_4000")
        try connection.execute("INSERT INTO binaries VALUES (0x00, 0), (0xFFFFFFFF, 1)")
        try connection.execute("CREATE TABLE unique_not_null (u INT NOT NULL, v CHAR(30), UNIQUE KEY (u))")
        try connection.execute("INSERT INTO unique_not_null SELECT seq * 3, 'x' FROM seq_1_to_4000")
        try connection.execute("CREATE TABLE nullable_unique (u INT NULL, v CHAR(30), UNIQUE KEY (u))")
        try connection.execute("INSERT INTO nullable_unique SELECT IF(seq % 5 = 0, NULL, seq), 'y' FROM seq_1_to_4000")
        try connection.execute("CREATE TABLE one_row (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO one_row VALUES (42)")
        try connection.execute("CREATE TABLE empty_table (id INT PRIMARY KEY)")
        for table in ["gaps", "composite", "strings", "binaries", "unique_not_null", "nullable_unique", "one_row", "empty_table"] {
            try connection.execute("ANALYZE TABLE \(table)")
        }
        return database
    }

    @Test("chunks cover every row exactly once, for every kind of key, in both layouts")
    func chunksCoverEveryRow() throws {
        let source = try Self.makeKeyTables()
        let connection = try TestServer.connect()
        let expected = try DatabaseFingerprint.of(source, connection: connection)

        // Single stream: --threads 1 and 4 give the same bytes, and load to the same rows.
        let one = try StockTools.swiftdump(["--threads=1", "--chunk-size=4K", "--skip-dump-date", source])
        let four = try StockTools.swiftdump(["--threads=4", "--chunk-size=4K", "--skip-dump-date", source])
        try #require(one.status == 0 && four.status == 0, "\(one.standardErrorText) \(four.standardErrorText)")
        #expect(one.standardOutput == four.standardOutput)
        let target = try TestServer.makeDatabase("chunks_stream")
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        try StockTools.mysql(database: target, input: four.standardOutput)
        #expect(try DatabaseFingerprint.of(target, connection: connection).tables == expected.tables)

        // Directory: the tables with a usable key are really cut, and every row lands once.
        let directory = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dir = try StockTools.swiftdump(["--threads=4", "--chunk-size=4K", "--format=dir", "-o", directory, source])
        try #require(dir.status == 0, "\(dir.standardErrorText)")
        let manifest = try Self.manifestObject(directory)
        let files = manifest["files"] as? [[String: Any]] ?? []
        func chunks(_ table: String) -> Int { files.filter { $0["kind"] as? String == "data" && $0["table"] as? String == table }.count }
        for table in ["gaps", "composite", "strings", "binaries", "unique_not_null"] {
            #expect(chunks(table) > 3, "\(table) was not cut into chunks")
        }
        #expect(chunks("nullable_unique") == 1)
        #expect(chunks("one_row") == 1)
        let tables = manifest["tables"] as? [[String: Any]] ?? []
        for table in expected.tables {
            let listed = tables.first { $0["table"] as? String == table.name }
            #expect((listed?["rows"] as? Int).map(String.init) ?? (table.rowCount == "0" ? "0" : "absent") == table.rowCount, "\(table.name): rows in the manifest")
        }
        let restored = try TestServer.makeDatabase("chunks_dir")
        defer { _ = try? connection.execute("DROP DATABASE `\(restored)`") }
        try Self.loadDirectory(directory, into: restored)
        #expect(try DatabaseFingerprint.of(restored, connection: connection).tables == expected.tables)
    }

    @Test("chunks are even: a composite key whose first column has 3 values, and an integer key with big gaps, cut like a dense key")
    func chunksAreEven() throws {
        let source = try TestServer.makeDatabase("even")
        let connection = try TestServer.connect(database: source)
        defer { _ = try? connection.execute("DROP DATABASE `\(source)`") }
        // 3 values of `region`, then a string; 20,000 rows of about 100 bytes.
        try connection.execute("CREATE TABLE few_first (region INT NOT NULL, code VARCHAR(20) NOT NULL, v CHAR(80), PRIMARY KEY (region, code))")
        try connection.execute("INSERT INTO few_first SELECT seq % 3, CONCAT('c', LPAD(seq, 7, '0')), MD5(seq) FROM seq_1_to_20000")
        // Three dense runs far apart: 1..6000, 10^12.., 9 * 10^18..
        try connection.execute("CREATE TABLE gapped (id BIGINT UNSIGNED PRIMARY KEY, v CHAR(80))")
        try connection.execute("""
            INSERT INTO gapped SELECT seq, MD5(seq) FROM seq_1_to_6000 UNION ALL SELECT 1000000000000 + seq, MD5(seq) FROM seq_1_to_6000 \
            UNION ALL SELECT 9000000000000000000 + seq, MD5(seq) FROM seq_1_to_8000
            """)
        for table in ["few_first", "gapped"] { try connection.execute("ANALYZE TABLE \(table)") }
        let directory = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(["--threads=2", "--chunk-size=200K", "--format=dir", "-o", directory, source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let files = try Self.manifestObject(directory)["files"] as? [[String: Any]] ?? []
        for table in ["few_first", "gapped"] {
            let rows = files.filter { $0["kind"] as? String == "data" && $0["table"] as? String == table }.compactMap { $0["rows"] as? Int }
            #expect(rows.reduce(0, +) == 20_000, "\(table): \(rows)")
            // About 2 MB in 200 KB chunks: ten or so, none more than 2.5 times another.
            #expect(rows.count >= 6, "\(table) cut into \(rows.count) chunks: \(rows)")
            let (smallest, largest) = (rows.min() ?? 0, rows.max() ?? 0)
            #expect(smallest > 0 && Double(largest) / Double(smallest) <= 2.5, "\(table): chunk rows \(rows)")
        }
    }

    @Test("compressed single streams decode with the stock zstd and gunzip to the plain bytes", arguments: ["zstd", "gzip:1"])
    func compressedStreams(format: String) throws {
        try Fixtures.loadSakila()
        let plain = try StockTools.swiftdump(["--threads=1", "--skip-dump-date", "sakila"])
        let packed = try StockTools.swiftdump(["--threads=4", "--chunk-size=64K", "--compress-output=\(format)", "--skip-dump-date", "sakila"])
        try #require(plain.status == 0 && packed.status == 0, "\(packed.standardErrorText)")
        #expect(packed.standardOutput.count < plain.standardOutput.count / 3)
        // Through a file: ProcessRunner writes all input before it reads any output.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-\(UInt32.random(in: 0..<UInt32.max))").path
        defer { unlink(path) }
        try Data(packed.standardOutput).write(to: URL(fileURLWithPath: path))
        let decoder = format.hasPrefix("zstd") ? ["/usr/bin/zstd", "-dc"] : ["/bin/gunzip", "-c"]
        let decoded = try ProcessRunner.run(decoder[0], [decoder[1], path])
        try #require(decoded.status == 0, "\(decoded.standardErrorText)")
        #expect(decoded.standardOutput == plain.standardOutput)
    }

    @Test("-r FILE.zst is compressed by its extension and committed only when complete")
    func resultFileExtension() throws {
        try Fixtures.load("fidelity_values")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-\(UInt32.random(in: 0..<UInt32.max)).sql.zst").path
        defer { unlink(path) }
        let dump = try StockTools.swiftdump(["-r", path, "--skip-dump-date", "fidelity_values"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let decoded = try ProcessRunner.run("/usr/bin/zstd", ["-dc", path])
        let plain = try StockTools.swiftdump(["--skip-dump-date", "fidelity_values"])
        #expect(decoded.standardOutput == plain.standardOutput)
    }

    /// Moves money between accounts in eight tables, many small transactions, until stopped.
    final class Transfers: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private var committed = 0
        private let done = DispatchSemaphore(value: 0)

        init(database: String) throws {
            let connection = try UncheckedConnection(TestServer.connect(database: database))
            let thread = Thread { [self] in
                var random = SeededRandom(state: 7)
                while !isStopped {
                    let from = Int.random(in: 0..<8, using: &random), to = Int.random(in: 0..<8, using: &random)
                    let a = Int.random(in: 1...500, using: &random), b = Int.random(in: 1...500, using: &random)
                    let amount = Int.random(in: 1...50, using: &random)
                    _ = try? connection.value.execute("START TRANSACTION")
                    _ = try? connection.value.execute("UPDATE account_\(from) SET balance = balance - \(amount) WHERE id = \(a)")
                    _ = try? connection.value.execute("UPDATE account_\(to) SET balance = balance + \(amount) WHERE id = \(b)")
                    if (try? connection.value.execute("COMMIT")) != nil { count() }
                }
                done.signal()
            }
            thread.start()
        }

        private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
        private func count() { lock.lock(); committed += 1; lock.unlock() }

        /// Stops the writer; returns how many transfers committed.
        func stop() -> Int {
            lock.lock(); stopped = true; lock.unlock()
            done.wait()
            lock.lock(); defer { lock.unlock() }
            return committed
        }
    }

    struct UncheckedConnection: @unchecked Sendable {
        let value: Connection
        init(_ value: Connection) { self.value = value }
    }

    static func makeBank() throws -> String {
        let database = try TestServer.makeDatabase("bank")
        let connection = try TestServer.connect(database: database)
        for index in 0..<8 {
            try connection.execute("CREATE TABLE account_\(index) (id INT PRIMARY KEY, balance BIGINT NOT NULL, note CHAR(200) NOT NULL DEFAULT '')")
            try connection.execute("INSERT INTO account_\(index) (id, balance) SELECT seq, 1000 FROM seq_1_to_500")
            try connection.execute("ANALYZE TABLE account_\(index)")
        }
        return database
    }

    static func total(_ database: String, connection: Connection) throws -> Int {
        let union = (0..<8).map { "SELECT SUM(balance) AS s FROM `\(database)`.account_\($0)" }.joined(separator: " UNION ALL ")
        return Int(try connection.query("SELECT SUM(s) FROM (\(union)) AS t").rows.first?.string(0) ?? "") ?? -1
    }

    @Test("a dump taken during concurrent transfers restores to the exact total", arguments: ["sql", "dir"])
    func consistentUnderWrites(format: String) throws {
        let source = try Self.makeBank()
        let connection = try TestServer.connect()
        let transfers = try Transfers(database: source)
        Thread.sleep(forTimeInterval: 0.3)
        let directory = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let layout = format == "dir" ? ["--format=dir", "-o", directory] : []
        let dump = try StockTools.swiftdump(["--threads=4", "--chunk-size=8K", "-v"] + layout + [source])
        let committed = transfers.stop()
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        #expect(committed > 20, "the writer made too few transfers to test anything")
        #expect(dump.standardErrorText.contains("4 connection(s), BACKUP STAGE BLOCK_DDL + FLUSH TABLES WITH READ LOCK"))
        #expect(dump.standardErrorText.contains("all agree"))
        #expect(try Self.total(source, connection: connection) == 8 * 500 * 1000)

        let target = try TestServer.makeDatabase("bank_restored")
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        if format == "dir" {
            try Self.loadDirectory(directory, into: target)
            let proof = try Self.manifestObject(directory)["snapshot"] as? [String: Any]
            #expect(proof?["consistent"] as? Bool == true)
            #expect((proof?["positions"] as? [Any])?.count == 4)
        } else {
            try StockTools.mysql(database: target, input: dump.standardOutput)
        }
        #expect(try Self.total(target, connection: connection) == 8 * 500 * 1000)
    }

    @Test("a directory dump killed midway leaves no manifest; a failed one says so and exits non-zero")
    func killedDumpLeavesNoManifest() throws {
        let source = try Self.makeBank()
        let connection = try TestServer.connect(database: source)
        try connection.execute("INSERT INTO account_0 (id, balance, note) SELECT seq, 1, REPEAT('n', 200) FROM seq_501_to_200000")
        try connection.execute("ANALYZE TABLE account_0")
        let directory = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = ["--no-defaults", "--socket=\(try TestServer.endpoint().socket)", "--user=root"]
        arguments += ["--threads=2", "--chunk-size=64K", "--format=dir", "-o", directory, source]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepositoryPaths.product("swiftdump"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill once the first chunk files exist.
        for _ in 0..<200 {
            if ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []).count > 3 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(!FileManager.default.fileExists(atPath: directory + "/manifest.json"))

        // A failure the dump sees itself: a table that vanishes is an error, exit non-zero.
        let again = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: again) }
        let failing = try StockTools.swiftdump(["--format=dir", "-o", again, source, "no_such_table"])
        #expect(failing.status != 0)
        #expect(!FileManager.default.fileExists(atPath: again + "/manifest.json"))
    }

    @Test("a write error on the single stream exits 5")
    func writeError() throws {
        try Fixtures.load("fidelity_values")
        let dump = try StockTools.swiftdump(["--threads=2", "--compress-output=zstd", "-r", "/dev/full", "fidelity_values"])
        #expect(dump.status == 5)
        #expect(dump.standardErrorText.contains("/dev/full"))
    }
}
