import Foundation
import MariaDBClient
import Testing
import TestSupport

/// swiftdump as scripts call it: option forms, option files, passwords, exit codes and the
/// result file's all-or-nothing behaviour.
@Suite("swiftdump's command line and exit codes")
struct DumpCommandLineTests {
    /// Dumps without the date line, so two runs can be compared.
    func dump(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessRunner.Outcome {
        try StockTools.swiftdump(["--skip-dump-date"] + arguments, environment: environment)
    }

    @Test("attached and separate values, long and short forms, give the same dump")
    func optionForms() throws {
        try Fixtures.loadWorld()
        let endpoint = try TestServer.endpoint()
        let forms: [[String]] = [
            ["--no-defaults", "-u", endpoint.user, "-S", endpoint.socket, "world", "country"],
            ["--no-defaults", "-u\(endpoint.user)", "-S\(endpoint.socket)", "world", "country"],
            ["--no-defaults", "--user=\(endpoint.user)", "--socket", endpoint.socket, "world", "country"],
            ["--no-defaults", "--user", endpoint.user, "world", "--socket=\(endpoint.socket)", "country"],
            ["--no-defaults", "--host=127.0.0.1", "-P", String(endpoint.port), "--protocol=TCP", "-u", endpoint.user, "world", "country"],
        ]
        var outputs: [[UInt8]] = []
        for arguments in forms {
            let outcome = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), ["--skip-comments"] + arguments)
            #expect(outcome.status == 0, "\(arguments): \(outcome.standardErrorText)")
            outputs.append(outcome.standardOutput)
        }
        #expect(Set(outputs).count == 1)
        #expect(outputs[0].count > 10_000)
    }

    @Test("-A dumps every database (the system schemas left out) and ends complete")
    func allDatabases() throws {
        // -A locks every database's tables in turn: on a server of its own, so it never waits
        // on (or holds up) the restores other tests run into new databases.
        let server = try ScratchServer()
        defer { server.stop() }
        try Fixtures.loadWorld(into: server)
        try Fixtures.load("fidelity_values", into: server)
        let outcome = try StockTools.swiftdump(["--skip-dump-date", "-A", "--ignore-database=fidelity_values"], socket: server.socket)
        #expect(outcome.status == 0, "\(outcome.standardErrorText)")
        let text = outcome.standardOutputText
        for database in ["world", "mysql"] {
            #expect(text.contains("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `\(database)`"), "\(database)")
        }
        #expect(!text.contains("`fidelity_values`"), "--ignore-database")
        #expect(!text.contains("`information_schema`") && !text.contains("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `performance_schema`"))
        #expect(text.contains("CREATE TABLE IF NOT EXISTS `general_log`"))
        #expect(text.hasSuffix("-- Dump completed\n"))
    }

    @Test("--force dumps what it can past a broken table and still exits 2; --log-error keeps the errors; -v reports progress")
    func forceLogAndVerbose() throws {
        let database = try TestServer.makeDatabase("force")
        let connection = try TestServer.connect(database: database)
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        // A MERGE table whose underlying table is gone: every read of it fails with 1168.
        try connection.execute("CREATE TABLE a1 (id INT) ENGINE=MyISAM")
        try connection.execute("CREATE TABLE a2 (id INT) ENGINE=MyISAM")
        try connection.execute("CREATE TABLE m (id INT) ENGINE=MERGE UNION=(a1,a2)")
        try connection.execute("CREATE TABLE z (id INT)")
        try connection.execute("INSERT INTO z VALUES (42)")
        try connection.execute("DROP TABLE a2")

        let withoutForce = try dump([database])
        #expect(withoutForce.status == 2 && withoutForce.standardErrorText.contains("1168"))
        #expect(!withoutForce.standardOutputText.contains("INSERT INTO `z`"))

        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-log-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        let forced = try dump(["--force", "-v", "--log-error=\(logFile)", database])
        #expect(forced.status == 2)
        #expect(forced.standardOutputText.contains("INSERT INTO `z` VALUES\n(42);"))
        #expect(forced.standardOutputText.hasSuffix("-- Dump completed\n"))
        #expect(forced.standardErrorText.contains("-- Retrieving rows..."))
        let logged = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(logged.contains("1168") && logged.contains("`m`"))
    }

    @Test("a table that does not exist: exit 6, the table named, nothing on stdout")
    func illegalTable() throws {
        try Fixtures.loadWorld()
        let outcome = try dump(["world", "city", "no_such_table"])
        #expect(outcome.status == 6)
        #expect(outcome.standardErrorText.contains("no_such_table"))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test("a database that does not exist: exit 2 with the server's error")
    func unknownDatabase() throws {
        let outcome = try dump(["no_such_database_here"])
        #expect(outcome.status == 2)
        #expect(outcome.standardErrorText.contains("1049") && outcome.standardErrorText.contains("no_such_database_here"))
    }

    @Test("no server at the socket: exit 2, 'when trying to connect'")
    func cannotConnect() throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), ["--no-defaults", "--socket=/nonexistent/mysqld.sock", "world"])
        #expect(outcome.status == 2)
        #expect(outcome.standardErrorText.contains("when trying to connect"))
    }

    @Test("usage mistakes exit 1 or with the option parser's code, naming the problem")
    func usageErrors() throws {
        let noDatabase = try dump([])
        #expect(noDatabase.status == 1 && noDatabase.standardErrorText.contains("Usage: swiftdump"))
        let unsupported = try dump(["--xml", "world"])
        #expect(unsupported.status == 1 && unsupported.standardErrorText.contains("--xml"))
        let both = try dump(["--single-transaction", "--lock-all-tables", "world"])
        #expect(both.status == 1 && both.standardErrorText.contains("--lock-all-tables"))
        let unknown = try dump(["--no-such-option", "world"])
        #expect(unknown.status == 2 && unknown.standardErrorText.contains("--no-such-option"))
        let badNumber = try dump(["--net-buffer-length=lots", "world"])
        #expect(badNumber.status == 1 && badNumber.standardErrorText.contains("net_buffer_length"))
    }

    @Test("-r /dev/full: exit 5 with the write error")
    func fullDisk() throws {
        try Fixtures.loadWorld()
        let outcome = try dump(["-r", "/dev/full", "world"])
        #expect(outcome.status == 5)
        #expect(outcome.standardErrorText.contains("errno 28"))
    }

    @Test("-r FILE holds the complete dump; a failed dump leaves no file, not even a partial one")
    func resultFile() throws {
        try Fixtures.loadWorld()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-r-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("world.sql").path

        let written = try dump(["-r", file, "world"])
        #expect(written.status == 0 && written.standardOutput.isEmpty)
        let toStdout = try dump(["world"])
        #expect(FileManager.default.contents(atPath: file).map(Array.init) == toStdout.standardOutput)

        let failedFile = directory.appendingPathComponent("failed.sql").path
        let failed = try dump(["--result-file=\(failedFile)", "world", "city", "no_such_table"])
        #expect(failed.status == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["world.sql"])
    }

    @Test("option files: groups, !include, --defaults-group-suffix, and the command line wins")
    func optionFiles() throws {
        try Fixtures.loadWorld()
        let endpoint = try TestServer.endpoint()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-cnf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let included = directory.appendingPathComponent("included.cnf").path
        try """
            [client-mariadb]
            user = "\(endpoint.user)"
            [mysqldump_test]
            skip-comments
            """.write(toFile: included, atomically: true, encoding: .utf8)
        let main = directory.appendingPathComponent("my.cnf").path
        try """
            # a comment
            [client]
            socket=\(endpoint.socket)   # trailing comment
            [mysqldump]
            skip-extended-insert
            [mysql]
            this-option-is-for-the-mysql-client-only
            !include \(included)
            """.write(toFile: main, atomically: true, encoding: .utf8)
        let program = RepositoryPaths.product("swiftdump")

        let fromFiles = try ProcessRunner.run(program, ["--defaults-file=\(main)", "--skip-dump-date", "world", "country"])
        #expect(fromFiles.status == 0, "\(fromFiles.standardErrorText)")
        #expect(fromFiles.standardOutputText.contains("INSERT INTO `country` VALUES ('ABW',"))
        #expect(fromFiles.standardOutputText.contains("-- Table structure"))

        let withSuffix = try ProcessRunner.run(program, ["--defaults-file=\(main)", "--defaults-group-suffix=_test", "world", "country"])
        #expect(withSuffix.status == 0)
        #expect(!withSuffix.standardOutputText.contains("-- Table structure"))

        let overridden = try ProcessRunner.run(program, ["--defaults-file=\(main)", "--extended-insert", "world", "country"])
        #expect(overridden.status == 0)
        #expect(overridden.standardOutputText.contains("INSERT INTO `country` VALUES\n('ABW',"))

        let missing = try ProcessRunner.run(program, ["--defaults-file=\(directory.path)/absent.cnf", "world"])
        #expect(missing.status != 0 && missing.standardErrorText.contains("absent.cnf"))
    }

    @Test("the default locations: ~/.my.cnf, --defaults-extra-file with !includedir, --no-defaults")
    func defaultLocations() throws {
        try Fixtures.loadWorld()
        let endpoint = try TestServer.endpoint()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-home-\(UUID().uuidString)")
        let includes = home.appendingPathComponent("conf.d")
        try FileManager.default.createDirectory(at: includes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        // ~/.my.cnf is read last of the default files, so its socket wins over /etc/mysql's.
        try "[client]\nsocket=\(endpoint.socket)\nuser=\(endpoint.user)\n".write(
            to: home.appendingPathComponent(".my.cnf"), atomically: true, encoding: .utf8)
        let extra = home.appendingPathComponent("extra.cnf").path
        try "!includedir \(includes.path)\n".write(toFile: extra, atomically: true, encoding: .utf8)
        try "[mariadb-dump]\nskip-comments\n".write(to: includes.appendingPathComponent("10-dump.cnf"), atomically: true, encoding: .utf8)
        try "[mariadb-dump]\nno-data\n".write(to: includes.appendingPathComponent("ignored.txt"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        let program = RepositoryPaths.product("swiftdump")

        let fromHome = try ProcessRunner.run(program, ["world", "country"], environment: environment)
        #expect(fromHome.status == 0, "\(fromHome.standardErrorText)")
        #expect(fromHome.standardOutputText.contains("-- Table structure"))

        let withExtra = try ProcessRunner.run(program, ["--defaults-extra-file=\(extra)", "world", "country"], environment: environment)
        #expect(withExtra.status == 0, "\(withExtra.standardErrorText)")
        #expect(!withExtra.standardOutputText.contains("-- Table structure"), "!includedir's .cnf file was not read")
        #expect(withExtra.standardOutputText.contains("INSERT INTO `country`"), "a file not ending in .cnf was read")

        let none = try ProcessRunner.run(program, ["--no-defaults", "--socket=/nonexistent.sock", "world"], environment: environment)
        #expect(none.status == 2, "--no-defaults still read ~/.my.cnf")
    }

    @Test("passwords: MYSQL_PWD, -pSECRET, and -p asking on a terminal; a wrong one exits 2 (1045)")
    func passwords() throws {
        try Fixtures.loadWorld()
        let endpoint = try TestServer.endpoint()
        let admin = try TestServer.connect()
        let user = "dumper_\(UInt32.random(in: 0..<UInt32.max))"
        let password = "Pw-\(UInt32.random(in: 0..<UInt32.max))"
        try admin.execute("CREATE USER '\(user)'@'localhost' IDENTIFIED BY '\(password)'")
        defer { _ = try? admin.execute("DROP USER '\(user)'@'localhost'") }
        try admin.execute("GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER ON world.* TO '\(user)'@'localhost'")
        let program = RepositoryPaths.product("swiftdump")
        let base = ["--no-defaults", "--socket=\(endpoint.socket)", "--user=\(user)", "--skip-dump-date", "world", "country"]

        var environment = ProcessInfo.processInfo.environment
        environment["MYSQL_PWD"] = password
        let fromEnvironment = try ProcessRunner.run(program, base, environment: environment)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.standardErrorText)")

        let attached = try ProcessRunner.run(program, ["-p\(password)"] + base)
        #expect(attached.status == 0 && attached.standardOutput == fromEnvironment.standardOutput)

        environment["MYSQL_PWD"] = "wrong"
        let wrong = try ProcessRunner.run(program, base, environment: environment)
        #expect(wrong.status == 2 && wrong.standardErrorText.contains("1045"))
        #expect(!wrong.standardErrorText.contains(password))

        // `script` gives the program a pseudo-terminal and types into it what it reads; the
        // password is typed once the prompt is on the screen, as a person would.
        let screen = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-pty-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: screen) }
        let command = ([program, "-p"] + base).map { "'\($0)'" }.joined(separator: " ") + " > /dev/null; echo \"exit=$?\""
        let typist = """
            ( for i in $(seq 1 300); do grep -q 'Enter password' '\(screen)' 2>/dev/null && break; sleep 0.1; done; \
              echo '\(password)' ) | script -q -e -c "$0" /dev/null > '\(screen)'; cat '\(screen)'
            """
        let prompted = try ProcessRunner.run("/bin/sh", ["-c", typist, command])
        #expect(prompted.standardOutputText.contains("Enter password:"))
        #expect(prompted.standardOutputText.contains("exit=0"), "\(prompted.standardOutputText)")
        #expect(!prompted.standardOutputText.contains(password), "the password was echoed")
    }
}
