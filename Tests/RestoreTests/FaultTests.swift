import Foundation
import MariaDBClient
import Synchronization
import Testing
import TestSupport

/// Faults injected on purpose: the server killed, a connection killed, the disk full, the
/// process interrupted. Each ends with a clear message and a non-zero exit, and leaves nothing
/// that looks complete; an interrupted restore says where it stands or resumes exactly.
@Suite("Faults")
struct FaultTests {
    static let rows = 150_000

    /// Three tables large enough that a dump or restore takes seconds.
    static func makeSource(on connection: Connection, database: String) throws {
        try connection.execute("CREATE DATABASE IF NOT EXISTS `\(database)`")
        for table in ["a", "b", "c"] {
            try connection.execute("CREATE TABLE `\(database)`.\(table) (id INT PRIMARY KEY, k INT, note VARCHAR(200), KEY (k))")
            try connection.execute("INSERT INTO `\(database)`.\(table) SELECT seq, seq % 1000, REPEAT('n', 150) FROM `\(database)`.seq_1_to_\(rows)")
            try connection.execute("ANALYZE TABLE `\(database)`.\(table)")
        }
    }

    /// Polls `condition` every 10 ms for up to `seconds`.
    static func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// True once a dump of `database` is reading rows.
    static func isReading(_ database: String, on connection: Connection) throws -> Bool {
        try connection.query("""
            SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%' AND INFO LIKE '%`\(database)`%'
            """).rows.first?.string(0) != "0"
    }

    /// Nothing under `path` looks like a finished dump: no file or directory of that name (the
    /// dump made it and removed it) and no partial file beside it.
    static func expectNothingComplete(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!FileManager.default.fileExists(atPath: path), "\(path) was left behind", sourceLocation: sourceLocation)
        let parent = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix(name) }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)", sourceLocation: sourceLocation)
    }

    // MARK: Dumps

    @Test("the server killed during a single-stream and a directory dump: non-zero within seconds, the table named, nothing that looks complete",
          arguments: ["sql", "dir"])
    func serverKilledDuringDump(layout: String) throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let connection = try server.connect()
        try Self.makeSource(on: connection, database: "src")
        let path = scratchPath("killed-\(layout)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = layout == "dir" ? ["--format=dir", "-o", path] : ["-r", path]
        let running = try ProcessRunner.start(RepositoryPaths.product("swiftdump"),
                                              server.socketArguments + ["--threads=2", "--chunk-size=256K"] + output + ["src"])
        #expect(try Self.wait(seconds: 60) { try Self.isReading("src", on: connection) }, "the dump started reading")
        server.kill()
        let killed = Date()
        let outcome = running.wait(timeout: 120)
        print("measured: \(layout) dump: exit \(outcome.status) \(String(format: "%.2f", Date().timeIntervalSince(killed))) s after the server was killed")
        #expect(Date().timeIntervalSince(killed) < 10, "swiftdump took \(Date().timeIntervalSince(killed)) s to notice")
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        #expect(outcome.standardErrorText.contains("reading `src`."), "the table being read is named: \(outcome.standardErrorText)")
        Self.expectNothingComplete(path)
    }

    @Test("KILL CONNECTION of one of the dump's readers: it fails clearly and never writes a dump missing that chunk", arguments: ["sql", "dir"])
    func readerKilled(layout: String) throws {
        let database = "t_faults_\(UInt32.random(in: 0..<UInt32.max))"
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        try Self.makeSource(on: connection, database: database)
        let path = scratchPath("reader-killed-\(layout)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = layout == "dir" ? ["--format=dir", "-o", path] : ["-r", path]
        let running = try StockTools.startSwiftdump(["--threads=4", "--chunk-size=128K"] + output + [database])
        var victim: String?
        _ = try Self.wait(seconds: 60) {
            victim = try connection.query("""
                SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%' AND INFO LIKE '%`\(database)`%' LIMIT 1
                """).rows.first?.string(0)
            return victim != nil
        }
        let id = try #require(victim, "a reader to kill")
        try connection.execute("KILL CONNECTION \(id)")
        let outcome = running.wait(timeout: 120)
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        #expect(outcome.standardErrorText.contains("reading `\(database)`."), "\(outcome.standardErrorText)")
        Self.expectNothingComplete(path)
    }

    @Test("the output fills: a directory dump on a filesystem of a few MB exits 5, says so, leaves nothing that looks complete")
    func fullDisk() throws {
        let database = "t_full_\(UInt32.random(in: 0..<UInt32.max))"
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        try Self.makeSource(on: connection, database: database)
        let mountPoint = scratchPath("small-fs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        // A 4 MB tmpfs where the machine allows mounting one, else a file-size limit (256 KB,
        // less than a chunk file).
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]).status == 0
        defer { if mounted { _ = try? ProcessRunner.run("/bin/umount", [mountPoint]) } }
        let path = mountPoint + "/dump"
        let arguments = try ["--no-defaults", "--socket=\(TestServer.endpoint().socket)", "--user=root", "--format=dir", "--chunk-size=1M", "-o", path, database]
        let outcome = mounted
            ? try ProcessRunner.run(RepositoryPaths.product("swiftdump"), arguments)
            : try ProcessRunner.run("/bin/bash", ["-c", "ulimit -f 256; exec \"$0\" \"$@\"", RepositoryPaths.product("swiftdump")] + arguments)
        #expect(outcome.status == 5, "\(mounted ? "tmpfs" : "ulimit -f"): \(outcome.standardErrorText)")
        #expect(outcome.standardErrorText.contains(mounted ? "No space left on device" : "File too large"), "\(outcome.standardErrorText)")
        #expect(!FileManager.default.fileExists(atPath: path + "/manifest.json"))
        Self.expectNothingComplete(path)
    }

    @Test("SIGINT, SIGTERM, SIGHUP during a dump holding the global read lock: one line names what was interrupted, the partial output is removed, a blocked commit goes through within a second",
          arguments: [SIGINT, SIGTERM, SIGHUP])
    func interrupted(signal: Int32) throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let connection = try server.connect()
        try Self.makeSource(on: connection, database: "src")
        try connection.execute("CREATE TABLE src.w (id INT AUTO_INCREMENT PRIMARY KEY)")
        for layout in [["-x", "-r"], ["--format=dir", "-x", "-o"]] {
            let path = scratchPath("interrupted")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let running = try ProcessRunner.start(RepositoryPaths.product("swiftdump"),
                                                  server.socketArguments + ["--threads=2", "--chunk-size=256K"] + layout + [path, "src"])
            #expect(try Self.wait(seconds: 60) { try Self.isReading("src", on: connection) })
            // A writer, stopped by the dump's global read lock.
            let committed = Mutex<Date?>(nil)
            let writer = Thread {
                guard let session = try? server.connect() else { return }
                _ = try? session.execute("INSERT INTO src.w VALUES ()")
                committed.withLock { $0 = Date() }
            }
            writer.start()
            Thread.sleep(forTimeInterval: 0.3)
            #expect(committed.withLock { $0 } == nil, "the read lock holds the writer back")
            running.signal(signal)
            let signalled = Date()
            let outcome = running.wait(timeout: 60)
            #expect(try Self.wait(seconds: 5) { committed.withLock { $0 } != nil }, "the commit went through")
            if let at = committed.withLock({ $0 }) {
                print("measured: signal \(signal), \(layout): the blocked commit went through \(String(format: "%.3f", at.timeIntervalSince(signalled))) s after it")
                #expect(at.timeIntervalSince(signalled) < 1, "the commit waited \(at.timeIntervalSince(signalled)) s")
            }
            #expect(outcome.status == 128 + signal, "\(layout): \(outcome.status) \(outcome.standardErrorText)")
            let lines = outcome.standardErrorText.split(separator: "\n")
            #expect(lines.count == 1, "one line: \(outcome.standardErrorText)")
            let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "SIGHUP"
            #expect(lines.first?.contains("interrupted by \(name) while reading `src`.") == true, "\(outcome.standardErrorText)")
            Self.expectNothingComplete(path)
        }
    }

    // MARK: Restores

    /// Rows of `table` on `connection`: all, and distinct ids.
    static func counts(_ table: String, on connection: Connection) throws -> (rows: Int, distinct: Int) {
        let row = try connection.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM \(table)").rows[0]
        return (Int(row.string(0) ?? "") ?? -1, Int(row.string(1) ?? "") ?? -1)
    }

    @Test("the server restarts in the middle of a directory restore: --resume then gives identical data, every row once")
    func directoryRestoreSurvivesRestart() throws {
        let (source, directory) = try RestoreResumeTests.makeDump()
        defer { try? FileManager.default.removeItem(atPath: directory); _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let server = try ScratchServer()
        defer { server.stop() }
        let running = try StockTools.startSwiftrestore(["-j", "2", "--database", "restored", directory], socket: server.socket)
        let target = try server.connect()
        #expect(try Self.wait(seconds: 120) {
            (try? target.query("SELECT COUNT(*) FROM swiftrestore.journal WHERE part LIKE '%.0%'"))?.rows.first?.string(0).flatMap(Int.init) ?? 0 >= 5
        }, "some files were restored")
        server.kill()
        let outcome = running.wait(timeout: 120)
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        try server.restart()
        let resumed = try StockTools.swiftrestore(["-j", "2", "--resume", "--database", "restored", "--verify", directory], socket: server.socket)
        #expect(resumed.status == 0, "\(resumed.standardErrorText)")
        let restored = try server.connect()
        #expect(try DatabaseFingerprint.of("restored", connection: restored) == DatabaseFingerprint.of(source, connection: TestServer.connect()))
        for table in ["a", "b", "c"] {
            let counts = try Self.counts("restored.\(table)", on: restored)
            #expect(counts.rows == 120_000 && counts.distinct == 120_000, "\(table): \(counts)")
        }
    }

    @Test("a stream restore stopped by a server restart says exactly which tables are complete")
    func streamRestoreReportsWhereItStopped() throws {
        let database = "t_stream_\(UInt32.random(in: 0..<UInt32.max))"
        let source = try TestServer.connect()
        defer { _ = try? source.execute("DROP DATABASE `\(database)`") }
        try Self.makeSource(on: source, database: database)
        let path = scratchPath("stream.sql.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try StockTools.swiftdump(["-r", path, database])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let server = try ScratchServer()
        defer { server.stop() }
        let running = try StockTools.startSwiftrestore(["-j", "2", "--commit-size=1M", "--defer-indexes-min-size=0", "--database", "restored", path],
                                                       socket: server.socket)
        let target = try server.connect()
        // Once every row of table a is committed and its deferred index is back, and b under way.
        func hasIndex(_ table: String, on connection: Connection) -> Bool {
            ((try? connection.query("""
                SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'restored' AND TABLE_NAME = '\(table)' AND INDEX_NAME = 'k'
                """))?.rows.first?.string(0) ?? "0") != "0"
        }
        // The index shows in information_schema before the server has finished the ALTER (it
        // still removes the old copy and syncs): the restore can only call a complete once the
        // ALTER has returned, so wait until no connection runs it, and give the reply a moment to
        // reach the restore (a missed reply fails the last expectation, never a wrong report).
        func altering(_ table: String, on connection: Connection) -> Bool {
            ((try? connection.query("""
                SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE `\(table)`%'
                """))?.rows.first?.string(0) ?? "1") != "0"
        }
        #expect(try Self.wait(seconds: 120) {
            (try? Self.counts("restored.a", on: target))?.rows == Self.rows && hasIndex("a", on: target)
                && !altering("a", on: target) && (try? Self.counts("restored.b", on: target))?.rows ?? 0 > 0
        }, "the restore reached table b")
        Thread.sleep(forTimeInterval: 0.2)
        server.kill()
        let outcome = running.wait(timeout: 120)
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        let report = outcome.standardErrorText
        let complete = try #require(report.split(separator: "\n").first { $0.contains("complete (every row committed):") })
        #expect(report.contains("incomplete:"), "\(report)")
        try server.restart()
        let restored = try server.connect()
        for table in ["a", "b", "c"] {
            let listed = complete.contains("`restored`.`\(table)`")
            let counts = (try? Self.counts("restored.\(table)", on: restored)) ?? (rows: 0, distinct: 0)
            if listed {
                #expect(counts.rows == Self.rows && counts.distinct == Self.rows, "\(table) is called complete but has \(counts.rows) rows")
                #expect(hasIndex(table, on: restored), "\(table) is called complete without its deferred index")
            }
            if counts.rows != Self.rows { #expect(!listed, "\(table) has \(counts.rows) rows and is called complete") }
        }
        #expect(complete.contains("`restored`.`a`"), "table a was loaded before the kill: \(report)")
    }
}
