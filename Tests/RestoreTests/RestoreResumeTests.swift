import Foundation
import MariaDBClient
import Testing
import TestSupport

/// A directory restore interrupted by a kill -9 or a killed connection finishes with --resume,
/// without a duplicated or missing row: each file's rows commit with its journal entry.
@Suite("Resuming a directory restore")
struct RestoreResumeTests {
    /// A database of a few tables with enough rows that a restore takes seconds, dumped in
    /// small chunks to a local directory or to `location` (an `s3://` prefix).
    static func makeDump(location: String? = nil, environment: [String: String]? = nil) throws -> (source: String, directory: String) {
        let source = try TestServer.makeDatabase("resume_src")
        let connection = try TestServer.connect(database: source)
        for table in ["a", "b", "c"] {
            try connection.execute("CREATE TABLE \(table) (id INT PRIMARY KEY, k INT, note VARCHAR(200), KEY (k))")
            try connection.execute("INSERT INTO \(table) SELECT seq, seq % 1000, CONCAT(REPEAT('x', seq % 150), '\(table)', seq) FROM seq_1_to_120000")
            try connection.execute("ANALYZE TABLE \(table)")
        }
        let directory = location ?? scratchPath("resume")
        let dump = try StockTools.swiftdump(["--format=dir", "--chunk-size=256K", "--compress-output=zstd", "-o", directory, source],
                                            environment: environment)
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        return (source, directory)
    }

    /// Starts swiftrestore in the background.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepositoryPaths.product("swiftrestore"))
        process.arguments = ["--no-defaults", "--socket=\(try TestServer.endpoint().socket)", "--user=root"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits until the journal holds at least `count` finished data files of `source`'s dump.
    static func waitForJournal(_ count: Int, source: String, connection: Connection) throws -> Int {
        for _ in 0..<3000 {
            let done = (try? connection.query("SELECT COUNT(*) FROM swiftrestore.journal WHERE part LIKE '\(source)/%.0%'"))?.rows.first?.string(0).flatMap(Int.init) ?? 0
            if done >= count { return done }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return 0
    }

    static func finish(_ target: String, directory: String, source: String, environment: [String: String]? = nil) throws {
        let resumed = try StockTools.swiftrestore(["-j", "2", "--resume", "--database", target, "--verify", directory], environment: environment)
        #expect(resumed.status == 0, "\(resumed.standardErrorText)")
        try expectSameDatabase(source, target)
        let connection = try TestServer.connect()
        for table in ["a", "b", "c"] {
            let rows = try connection.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM `\(target)`.\(table)").rows[0]
            #expect(rows.string(0) == "120000" && rows.string(1) == "120000", "\(table): no row missing or twice")
        }
    }

    /// Restores `directory` into `copy` on a scratch server whose max_allowed_packet (64 KB)
    /// refuses the dump's largest statement: the restore stops there, exit 2. The caller stops
    /// the server.
    static func restoreRefusingLargeStatements(_ directory: String) throws -> ScratchServer {
        let server = try ScratchServer()
        try server.connect().execute("SET GLOBAL max_allowed_packet = 65536")
        let failed = try StockTools.swiftrestore(["-j", "2", "--database", "copy", directory], socket: server.socket)
        #expect(failed.status == 2, "\(failed.status): \(failed.standardErrorText)")
        return server
    }

    /// Lets the server take the statement it refused, and finishes the restore with --resume --verify.
    static func resumeTakingLargeStatements(_ directory: String, on server: ScratchServer) throws {
        try server.connect().execute("SET GLOBAL max_allowed_packet = 16777216")
        let resumed = try StockTools.swiftrestore(["-j", "2", "--resume", "--verify", "--database", "copy", directory], socket: server.socket)
        #expect(resumed.status == 0, "\(resumed.standardErrorText)")
    }

    @Test("kill -9 of swiftrestore midway, then --resume: identical data")
    func killedProcess() throws {
        let (source, directory) = try Self.makeDump()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = "t_resume_kill_\(UInt32.random(in: 0..<UInt32.max))"
        defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`"); _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let process = try Self.start(["-j", "2", "--database", target, directory])
        let connection = try TestServer.connect()
        let done = try Self.waitForJournal(5, source: source, connection: connection)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "killed before it finished")
        #expect(done >= 5)
        try Self.finish(target, directory: directory, source: source)
    }

    @Test("KILL CONNECTION of one of its sessions, then --resume: identical data")
    func killedConnection() throws {
        let (source, directory) = try Self.makeDump()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = "t_resume_conn_\(UInt32.random(in: 0..<UInt32.max))"
        defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`"); _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let process = try Self.start(["-j", "2", "--database", target, directory])
        let connection = try TestServer.connect()
        _ = try Self.waitForJournal(5, source: source, connection: connection)
        let sessions = try connection.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '\(target)' AND ID <> CONNECTION_ID()").rows.compactMap { $0.string(0) }
        try #require(!sessions.isEmpty, "a loading session to kill")
        try connection.execute("KILL CONNECTION \(sessions[0])")
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "a lost connection stops the restore as a server error")
        try Self.finish(target, directory: directory, source: source)
    }
    @Test("a table of one data file journals its structure with its rows: a restore that stops between them re-creates the table on --resume")
    func structureJournaledWithRows() throws {
        let source = try TestServer.makeDatabase("resume_fold")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let connection = try TestServer.connect(database: source)
        // `wide`: one INSERT of about 400 KB; the small tables' INSERTs are a few hundred bytes.
        try connection.execute("CREATE TABLE wide (id INT PRIMARY KEY, note VARCHAR(1000))")
        try connection.execute("INSERT INTO wide SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_400")
        for index in 0..<6 {
            try connection.execute("CREATE TABLE small\(index) (id INT PRIMARY KEY, v INT)")
            try connection.execute("INSERT INTO small\(index) SELECT seq, seq * \(index) FROM seq_1_to_10")
        }
        let directory = scratchPath("resume_fold")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(["--format=dir", "-o", directory, source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        // A server that refuses wide's INSERT (larger than its max_allowed_packet) after its
        // CREATE TABLE ran.
        let server = try Self.restoreRefusingLargeStatements(directory)
        defer { server.stop() }
        let target = try server.connect()
        #expect(try target.query("SELECT COUNT(*) FROM copy.wide").rows[0].string(0) == "0", "wide created, none of its rows in")
        let parts = Set(try target.query("SELECT part FROM swiftrestore.journal WHERE part <> ''").rows.compactMap { $0.string(0) })
        #expect(!parts.contains { $0.hasPrefix("\(source)/wide.") }, "\(parts): wide's structure is not journaled without its rows")
        for part in parts where part.hasSuffix(".schema.sql") {
            #expect(parts.contains(part.replacingOccurrences(of: ".schema.sql", with: ".00001.sql")), "\(part) journaled with its rows")
        }

        try Self.resumeTakingLargeStatements(directory, on: server)
        for table in ["wide"] + (0..<6).map({ "small\($0)" }) {
            let checksum = "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(',', id, \(table == "wide" ? "note" : "v")))) FROM "
            let original = try connection.query(checksum + table).rows[0]
            let restored = try server.connect().query(checksum + "copy.\(table)").rows[0]
            #expect(restored.string(0) == original.string(0) && restored.string(1) == original.string(1), "\(table)")
        }
    }

    @Test("the objects file's SETs are not journaled: on --resume they run again before the routine they prepare")
    func objectSetsRunAgainOnResume() throws {
        let source = try TestServer.makeDatabase("resume_objects")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let connection = try TestServer.connect(database: source)
        try connection.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO t SELECT seq FROM seq_1_to_10")
        try connection.execute("CREATE PROCEDURE asmall() SELECT COUNT(*) FROM t")
        // `zbig` (after `asmall` in the dump): its CREATE (about 70 KB) is larger than the
        // scratch server's first max_allowed_packet; made under an sql_mode of its own, which
        // the dump's SETs carry.
        try connection.execute("SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES'")
        try connection.execute("CREATE PROCEDURE zbig() SELECT '\(String(repeating: "x", count: 70_000))' AS note")
        let mode = "SELECT ROUTINE_NAME, SQL_MODE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "
        let original = try connection.query(mode + "'\(source)' ORDER BY 1").rows.map { "\($0.string(0) ?? ""): \($0.string(1) ?? "")" }
        let directory = scratchPath("resume_objects")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(["--format=dir", "-R", "-o", directory, source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        let server = try Self.restoreRefusingLargeStatements(directory)
        defer { server.stop() }
        let target = try server.connect()
        let journaled = try target.query("SELECT COUNT(*) FROM swiftrestore.journal WHERE part LIKE 'objects.sql#%'").rows[0].string(0)
        // asmall's DROP IF EXISTS and CREATE, zbig's DROP IF EXISTS; none of the SETs around them.
        #expect(journaled == "3", "\(journaled ?? "?") objects statements journaled")

        try Self.resumeTakingLargeStatements(directory, on: server)
        let restored = try server.connect().query(mode + "'copy' ORDER BY 1").rows.map { "\($0.string(0) ?? ""): \($0.string(1) ?? "")" }
        #expect(restored == original, "each routine under the sql_mode it was made with")
    }
}
