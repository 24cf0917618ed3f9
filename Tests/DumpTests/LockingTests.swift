import Foundation
import MariaDBClient
import Synchronization
import Testing
import TestSupport

/// What a dump does to the application: DDL waits on the backup lock instead of queueing on a
/// table's metadata lock (so nobody's reads wait behind it, and the dump never waits on itself),
/// and commits wait only while the snapshots start. Each test has a server of its own: the
/// backup lock is server-wide, and another test's dump must not hold it.
@Suite("Locking: DDL held back, commits barely paused")
struct LockingTests {
    static let rows = 120_000

    /// Two tables large enough that a 4-connection dump with small chunks takes a few seconds.
    static func makeTables(on server: ScratchServer) throws -> String {
        let database = "ddl"
        try server.connect().execute("CREATE DATABASE \(database)")
        let connection = try server.connect(database: database)
        for table in ["t1", "t2"] {
            try connection.execute("CREATE TABLE \(table) (id INT PRIMARY KEY, v INT, pad VARCHAR(255))")
            try connection.execute("INSERT INTO \(table) SELECT seq, seq % 97, REPEAT('p', 200) FROM seq_1_to_\(rows)")
            try connection.execute("ANALYZE TABLE \(table)")
        }
        return database
    }

    /// Waits until a dump of `database` is reading rows (its SELECTs are in the process list).
    static func waitUntilReading(_ database: String, connection: Connection, running: ProcessRunner.Running) throws {
        for _ in 0..<400 {
            let reading = try connection.query("""
                SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%' AND INFO LIKE '%\(database)%'
                """).rows.first?.string(0)
            if reading != "0" { return }
            if kill(running.pid, 0) != 0 { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Runs `body` on a thread of its own; the result when it is done.
    final class Background<Value: Sendable>: @unchecked Sendable {
        // @unchecked Sendable: `value` is written once before `done` is signalled.
        private let done = DispatchSemaphore(value: 0)
        private var value: Value?
        init(_ body: @escaping @Sendable () -> Value) {
            Thread {
                self.value = body()
                self.done.signal()
            }.start()
        }
        func wait() -> Value {
            done.wait()
            return value!
        }
    }

    @Test("ALTER, RENAME, DROP, TRUNCATE and CREATE INDEX during a 4-connection dump wait for it; the dump completes consistent and loadable; no read of the table waits a second",
          arguments: ["ALTER TABLE t2 ADD COLUMN x INT", "RENAME TABLE t2 TO t2_renamed", "DROP TABLE t2", "TRUNCATE TABLE t2", "CREATE INDEX by_v ON t2 (v)"])
    func ddlDuringDump(ddl: String) throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let database = try Self.makeTables(on: server)
        let connection = try server.connect()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-ddl-\(UUID().uuidString).sql").path
        defer { unlink(path) }

        let dumping = Atomic<Bool>(true)
        let started = ContinuousClock.now
        let running = try StockTools.startSwiftdump(["-v", "--threads=4", "--chunk-size=256K", "-r", path, database], socket: server.socket)
        try Self.waitUntilReading(database, connection: connection, running: running)

        // The application: reads of the table the DDL is about, one after another.
        let reader = Background<Duration> {
            var worst = Duration.zero
            guard let app = try? server.connect(database: database) else { return .seconds(999) }
            while dumping.load(ordering: .relaxed) {
                let start = ContinuousClock.now
                _ = try? app.query("SELECT pad FROM t2 WHERE id = 1")
                worst = max(worst, ContinuousClock.now - start)
                Thread.sleep(forTimeInterval: 0.005)
            }
            return worst
        }
        Thread.sleep(forTimeInterval: 0.1)
        let ddlIssued = ContinuousClock.now - started
        let changer = Background<(Duration, String?)> {
            do {
                let session = try server.connect(database: database)
                try session.execute(ddl)
                return (ContinuousClock.now - started, nil)
            } catch {
                return (ContinuousClock.now - started, "\(error)")
            }
        }
        let outcome = running.wait(timeout: 300)
        let dumpEnded = ContinuousClock.now - started
        dumping.store(false, ordering: .relaxed)
        let worstRead = reader.wait()
        let (ddlDone, ddlError) = changer.wait()

        print("measured: \(ddl): dump \(dumpEnded), DDL issued at \(ddlIssued), done at \(ddlDone); worst application read \(worstRead)")
        #expect(outcome.status == 0, "\(ddl): \(outcome.standardErrorText)")
        #expect(ddlError == nil, "\(ddl) failed: \(ddlError ?? "")")
        #expect(ddlIssued < dumpEnded, "the DDL was issued while the dump ran")
        #expect(ddlDone >= dumpEnded - .milliseconds(300), "\(ddl) ran at \(ddlDone), before the dump ended at \(dumpEnded): it was not held back")
        #expect(worstRead < .seconds(1), "an application read waited \(worstRead) during \(ddl)")
        #expect(outcome.standardErrorText.contains("DDL held back for"), "-v says how long DDL was held back")
        #expect(outcome.standardErrorText.contains("statement(s) waited"), "-v says a statement waited: \(outcome.standardErrorText)")

        // Consistent: the rows as they were when the dump started, and it loads.
        let target = "ddl_restored"
        try connection.execute("CREATE DATABASE \(target)")
        let loaded = try server.mysql(database: target, input: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(loaded.status == 0, "\(loaded.standardErrorText)")
        for table in ["t1", "t2"] {
            let count = try connection.query("SELECT COUNT(*) FROM `\(target)`.\(table)").rows.first?.string(0)
            #expect(count == String(Self.rows), "\(ddl): \(table) has \(count ?? "?") rows")
        }
    }

    @Test("with --skip-ddl-lock (as on servers without backup stages) an ALTER during the dump never hangs it: it completes, or fails within --lock-wait-timeout naming the table and what holds it")
    func withoutDDLLock() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let database = try Self.makeTables(on: server)
        let connection = try server.connect()
        let running = try StockTools.startSwiftdump(["--skip-ddl-lock", "--lock-wait-timeout=3", "--threads=4", "--chunk-size=128K", "-r", "/dev/null", database],
                                                    socket: server.socket)
        // Once the readers are in t2, their transactions hold its metadata lock.
        for _ in 0..<2000 {
            let reading = try connection.query("""
                SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%`t2`%'
                """).rows.first?.string(0)
            if reading != "0" || kill(running.pid, 0) != 0 { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let issued = ContinuousClock.now
        let changer = Background<String?> {
            do {
                try server.connect(database: database).execute("ALTER TABLE t2 ADD COLUMN x INT")
                return nil
            } catch {
                return "\(error)"
            }
        }
        let outcome = running.wait(timeout: 300)
        let took = ContinuousClock.now - issued
        #expect(changer.wait() == nil, "the ALTER runs once the dump is done")
        #expect(took < .seconds(20), "the dump ended \(took) after the ALTER")
        #expect([0, 2].contains(outcome.status), "\(outcome.standardErrorText)")
        if outcome.status == 2 {
            #expect(outcome.standardErrorText.contains("`\(database)`.`t2`"), "the table is named: \(outcome.standardErrorText)")
            if outcome.standardErrorText.contains("--lock-wait-timeout") {
                #expect(outcome.standardErrorText.contains("ALTER TABLE t2 ADD COLUMN x INT"), "what holds the lock is named: \(outcome.standardErrorText)")
            }
        }
    }

    @Test("a snapshot transaction lets go of the tables it has read: a reading connection holds at most 64 tables' metadata locks, not one per table read (the server searches them on every open)",
          arguments: [["--threads=2"], ["--threads=1", "--single-transaction"]])
    func metadataLocksReleased(mode: [String]) throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let connection = try server.connect()
        try connection.execute("INSTALL SONAME 'metadata_lock_info'")
        try connection.execute("CREATE DATABASE mdl")
        let tables = 300
        let creates = (0..<tables).map { "CREATE TABLE mdl.t\($0) (id INT PRIMARY KEY); INSERT INTO mdl.t\($0) VALUES (\($0));" }
        #expect(try server.mysql(input: Array(creates.joined(separator: "\n").utf8)).status == 0)
        // SLEEP in the condition: each table's one row takes 10 ms to read, so the locks can be watched.
        let running = try StockTools.startSwiftdump(mode + ["--where=SLEEP(0.01) = 0", "-r", "/dev/null", "mdl"], socket: server.socket)
        var most = 0
        var seen = 0
        // Until it exits (a zombie still answers kill(pid, 0)).
        while ((try? String(contentsOfFile: "/proc/\(running.pid)/stat", encoding: .utf8)) ?? ") Z ").contains(") Z ") == false {
            for row in try connection.query("""
                SELECT COUNT(*) FROM information_schema.METADATA_LOCK_INFO WHERE TABLE_SCHEMA = 'mdl' AND LOCK_TYPE LIKE '%metadata lock' GROUP BY THREAD_ID
                """).rows {
                let count = Int(row.string(0) ?? "") ?? 0
                most = max(most, count)
                seen += 1
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let outcome = running.wait(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.standardErrorText)")
        #expect(seen > 10, "the dump's locks were watched while it read")
        #expect(most >= 2 && most <= 64 + 2, "most metadata locks one connection held: \(most) (the tables read since the last release, and the one being read)")
    }

    @Test("an account that may not turn sql_log_bin off keeps the locks to the end, says so under -v, and the dump is the same")
    func metadataLocksKeptWithoutPrivilege() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let connection = try server.connect()
        #expect(try connection.query("SELECT @@GLOBAL.log_bin").rows.first?.string(0) == "1", "the scratch server logs")
        try connection.execute("CREATE DATABASE mdl")
        try connection.execute("CREATE TABLE mdl.t (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO mdl.t VALUES (1), (2)")
        try connection.execute("CREATE USER 'reader'@'localhost' IDENTIFIED BY 'pw'")
        try connection.execute("GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS ON *.* TO 'reader'@'localhost'")
        for mode in [["--threads=2"], ["--threads=1", "--single-transaction"]] {
            let reader = try StockTools.swiftdump(["--user=reader", "--password=pw", "-v", "--skip-dump-date"] + mode + ["mdl"], socket: server.socket)
            let root = try StockTools.swiftdump(["-v", "--skip-dump-date"] + mode + ["mdl"], socket: server.socket)
            #expect(reader.status == 0 && root.status == 0, "\(reader.standardErrorText) \(root.standardErrorText)")
            #expect(reader.standardErrorText.contains("may not set sql_log_bin"), "\(mode): \(reader.standardErrorText)")
            #expect(!root.standardErrorText.contains("sql_log_bin"), "\(mode): \(root.standardErrorText)")
            #expect(reader.standardOutput == root.standardOutput, "\(mode): the same dump")
        }
    }

    @Test("another backup holding the server's backup stage (mariabackup, another dump): the dump does not wait for it, and says DDL is not held back")
    func anotherBackup() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let database = try Self.makeTables(on: server)
        let backup = try server.connect()
        try backup.execute("BACKUP STAGE START")
        try backup.execute("BACKUP STAGE BLOCK_DDL")
        let started = ContinuousClock.now
        let dump = try StockTools.swiftdump(["-v", "--threads=2", "-r", "/dev/null", database], socket: server.socket)
        let took = ContinuousClock.now - started
        try backup.execute("BACKUP STAGE END")
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        #expect(dump.standardErrorText.contains("another backup holds the server's backup stage: DDL is not held back"), "\(dump.standardErrorText)")
        #expect(took < .seconds(20), "the dump took \(took)")
    }

    @Test("a concurrent writer's commits wait only while the snapshots start: a small fraction of a 4-connection dump")
    func commitsBarelyPaused() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let database = try Self.makeTables(on: server)
        let connection = try server.connect(database: database)
        try connection.execute("CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6))")
        let writing = Atomic<Bool>(true)
        let writer = Background<(worst: Duration, commits: Int)> {
            var worst = Duration.zero
            var commits = 0
            guard let app = try? server.connect(database: database) else { return (.seconds(999), 0) }
            _ = try? app.execute("SET autocommit = 0")
            while writing.load(ordering: .relaxed) {
                let start = ContinuousClock.now
                _ = try? app.execute("INSERT INTO events (at) VALUES (NOW(6))")
                _ = try? app.execute("COMMIT")
                worst = max(worst, ContinuousClock.now - start)
                commits += 1
            }
            return (worst, commits)
        }
        Thread.sleep(forTimeInterval: 0.2)
        let started = ContinuousClock.now
        let dump = try StockTools.swiftdump(["-v", "--threads=4", "--chunk-size=256K", "-r", "/dev/null", database], socket: server.socket)
        let took = ContinuousClock.now - started
        Thread.sleep(forTimeInterval: 0.2)
        writing.store(false, ordering: .relaxed)
        let (worst, commits) = writer.wait()
        print("measured: \(commits) commits during a dump of \(took); the slowest waited \(worst)")
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        #expect(commits > 50, "the writer committed only \(commits) times")
        #expect(worst < took / 10, "a commit waited \(worst) during a dump of \(took)")
        #expect(worst < .milliseconds(500), "a commit waited \(worst)")
    }
}
