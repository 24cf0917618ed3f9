import MariaDBClient
import Testing
import TestSupport

@Suite("--skip-definer")
struct DefinerTests {
    @Test("an account that may not name other definers loads the dump only with --skip-definer, and owns the objects")
    func restrictedLoader() throws {
        try Fixtures.load("fidelity_objects")
        let connection = try TestServer.connect()
        let endpoint = try TestServer.endpoint()
        let target = try TestServer.makeDatabase("definer")
        let user = "loader_\(UInt32.random(in: 0..<UInt32.max))"
        let password = "Load-\(UInt32.random(in: 0..<UInt32.max))"
        try connection.execute("CREATE USER '\(user)'@'localhost' IDENTIFIED BY '\(password)'")
        try connection.execute("GRANT ALL PRIVILEGES ON `\(target)`.* TO '\(user)'@'localhost'")
        // With the binary log on, an account without SUPER may create triggers and routines only
        // when the server trusts it to (the DBA's setting; unrelated to definers).
        let trusted = try connection.query("SELECT @@GLOBAL.log_bin_trust_function_creators").rows[0].string(0) ?? "0"
        try connection.execute("SET GLOBAL log_bin_trust_function_creators = 1")
        defer {
            _ = try? connection.execute("SET GLOBAL log_bin_trust_function_creators = \(trusted)")
            _ = try? connection.execute("DROP DATABASE `\(target)`")
            _ = try? connection.execute("DROP USER '\(user)'@'localhost'")
        }
        func load(_ dump: [UInt8]) throws -> ProcessRunner.Outcome {
            try ProcessRunner.run(StockTools.mariadb, ["--no-defaults", "--socket=\(endpoint.socket)", "--user=\(user)", "--password=\(password)", target], input: dump)
        }

        let withDefiners = try StockTools.swiftdump(["-R", "-E", "fidelity_objects"])
        let refused = try load(withDefiners.standardOutput)
        #expect(refused.status != 0 && refused.standardErrorText.contains("1227"), "\(refused.standardErrorText)")

        try connection.execute("DROP DATABASE `\(target)`")
        try connection.execute("CREATE DATABASE `\(target)`")
        let skipped = try StockTools.swiftdump(["-R", "-E", "--skip-definer", "fidelity_objects"])
        #expect(!skipped.standardOutputText.contains("DEFINER="))
        let loaded = try load(skipped.standardOutput)
        #expect(loaded.status == 0, "\(loaded.standardErrorText)")
        let definers = try connection.query("""
            SELECT DEFINER FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = '\(target)'
            UNION SELECT DEFINER FROM INFORMATION_SCHEMA.TRIGGERS WHERE TRIGGER_SCHEMA = '\(target)'
            UNION SELECT DEFINER FROM INFORMATION_SCHEMA.ROUTINES WHERE ROUTINE_SCHEMA = '\(target)'
            UNION SELECT DEFINER FROM INFORMATION_SCHEMA.EVENTS WHERE EVENT_SCHEMA = '\(target)'
            """).rows.compactMap { $0.string(0) }
        #expect(definers == ["\(user)@localhost"])
        #expect(try connection.query("SELECT COUNT(*) FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = '\(target)'").rows[0].string(0) == "4")
    }
}
