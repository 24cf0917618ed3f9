import Foundation
import MariaDBClient
import Testing
import TestSupport

@Suite("Option files through libmariadb")
struct OptionFileTests {
    @Test("[client], [client-server], [client-mariadb] and the program's group are all read")
    func groups() throws {
        let endpoint = try TestServer.endpoint()
        // Each group carries one setting, so the result shows which groups were read.
        let file = try TemporaryFile(contents: """
            [client]
            user=\(endpoint.user)
            [client-server]
            socket=\(endpoint.socket)
            [client-mariadb]
            default-character-set=latin1
            [swiftdump-probe]
            database=mysql
            [some-other-program]
            database=information_schema
            """)
        var options = ConnectionOptions()
        options.optionFiles = .file(path: file.path, group: "swiftdump-probe")
        let connection = try Connection(options)
        let row = try connection.query("SELECT CURRENT_USER(), DATABASE(), @@character_set_client").rows[0]
        #expect(row.string(0) == "\(endpoint.user)@localhost")
        #expect(row.string(1) == "mysql")
        #expect(row.string(2) == "latin1")
        #expect(connection.hostInfo.contains("socket"))
    }

    @Test("an explicit user and database win over the option file's")
    func explicitWins() throws {
        let endpoint = try TestServer.endpoint()
        let file = try TemporaryFile(contents: """
            [client]
            user=nobody_of_this_name
            database=information_schema
            socket=\(endpoint.socket)
            """)
        var options = ConnectionOptions()
        options.optionFiles = .file(path: file.path, group: "swiftdump-probe")
        options.user = endpoint.user
        options.database = "mysql"
        let connection = try Connection(options)
        let row = try connection.query("SELECT CURRENT_USER(), DATABASE()").rows[0]
        #expect(row.string(0) == "\(endpoint.user)@localhost")
        #expect(row.string(1) == "mysql")
    }

    @Test("a password from an option file is used, and still scrubbed from errors")
    func passwordFromFile() throws {
        var options = try TestServer.socketOptions()
        let password = "File-Secret-\(UInt32.random(in: 0..<UInt32.max))"
        let file = try TemporaryFile(contents: "[client]\npassword=\(password)\n")
        options.optionFiles = .file(path: file.path, group: "swiftdump-probe")
        let error = try #require(throws: MariaDBError.self) { try Connection(options) }
        // root has no password on the test server: a password sent means the file was read.
        #expect(error.code == MariaDBError.accessDenied)
        #expect(error.message.contains("using password: YES"))
        #expect(!error.description.contains(password))
    }
}

/// A file in the temporary directory, removed when the value goes away.
final class TemporaryFile {
    let path: String

    init(contents: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-\(UUID().uuidString).cnf").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
