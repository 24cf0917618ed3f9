import MariaDBClient
import Testing
import TestSupport

@Suite("-A into a fresh server")
struct AllDatabasesTests {
    @Test("users, roles and grants come back (after FLUSH PRIVILEGES), and the account logs in")
    func usersAndGrants() throws {
        let source = try ScratchServer()
        let fresh = try ScratchServer()
        defer { source.stop(); fresh.stop() }
        let setup = try source.mysql(input: Array("""
            CREATE DATABASE app;
            CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(10));
            INSERT INTO app.t VALUES (1, 'one'), (2, 'two');
            CREATE USER 'appuser'@'localhost' IDENTIFIED BY 'App-Pw-1';
            GRANT SELECT, INSERT ON app.* TO 'appuser'@'localhost';
            CREATE ROLE reader;
            GRANT SELECT ON app.t TO reader;
            GRANT reader TO 'appuser'@'localhost';
            """.utf8))
        try #require(setup.status == 0, "\(setup.standardErrorText)")

        let dump = try StockTools.swiftdump(["-A"], socket: source.socket)
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let loaded = try fresh.mysql(input: dump.standardOutput + Array("\nFLUSH PRIVILEGES;\n".utf8))
        #expect(loaded.status == 0, "\(loaded.standardErrorText)")

        func grants(_ server: ScratchServer) throws -> [String] {
            try server.connect().query("SHOW GRANTS FOR 'appuser'@'localhost'").rows.compactMap { $0.string(0) }.sorted()
        }
        #expect(try grants(fresh) == grants(source))
        #expect(try grants(fresh).count == 3)
        #expect(try DatabaseFingerprint.of("app", connection: fresh.connect()) == DatabaseFingerprint.of("app", connection: source.connect()))

        var login = ConnectionOptions()
        login.socket = fresh.socket
        login.user = "appuser"
        login.password = "App-Pw-1"
        login.transport = .socket
        let appuser = try Connection(login)
        #expect(try appuser.query("SELECT COUNT(*) FROM app.t").rows[0].string(0) == "2")
    }
}
