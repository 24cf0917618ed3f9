import Foundation
import MariaDBClient
import Testing
import TestSupport

/// Names as attacks (fixtures/hostile_names.sql) are data everywhere: every path a dump can take
/// to a server gives back the same objects, and loading runs nothing but the intended SQL — the
/// canary database survives and the `\!` shell escape in a name never runs.
@Suite("Hostile names")
struct HostileNamesTests {
    static let pwned = "/tmp/swiftdump_pwned"

    /// Nothing but the intended SQL ran: the DROP inside a name did not, the shell escape did not.
    func expectNothingElseRan(on connection: Connection, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try !connection.query("SHOW DATABASES LIKE 'swiftdump\\_canary'").rows.isEmpty, "\(path): the canary database was dropped",
                sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: Self.pwned), "\(path): the shell escape in a name ran", sourceLocation: sourceLocation)
    }

    @Test("swiftdump + mysql, swiftdump + swiftrestore (plain, zstd, dir; 1 and 4 connections), mariadb-dump + swiftrestore: equal, and nothing else runs")
    func everyPath() throws {
        try Fixtures.load("hostile_names")
        let source = Fixtures.hostileDatabase
        let connection = try TestServer.connect()
        try? FileManager.default.removeItem(atPath: Self.pwned)

        func target() throws -> String {
            let name = "t_hostile_\(UInt32.random(in: 0..<UInt32.max))"
            try connection.execute("CREATE DATABASE `\(name)`")
            return name
        }
        // swiftdump, loaded by the stock client into another database.
        do {
            let dump = try StockTools.swiftdump(["-R", "-E", source])
            try #require(dump.status == 0, "swiftdump: \(dump.standardErrorText)")
            let restored = try target()
            defer { _ = try? connection.execute("DROP DATABASE `\(restored)`") }
            try StockTools.mysql(database: restored, input: dump.standardOutput)
            try expectSameDatabase(source, restored)
            try expectNothingElseRan(on: connection, "swiftdump | mysql")
        }
        // swiftdump in each format, loaded by swiftrestore.
        for format in [["--compress-output=none"], ["--compress-output=zstd"], ["--format=dir"]] {
            for threads in [1, 4] {
                let path = scratchPath("hostile")
                defer { try? FileManager.default.removeItem(atPath: path) }
                let output = format == ["--format=dir"] ? ["-o", path] : ["-r", path]
                let dump = try StockTools.swiftdump(["-R", "-E", "--threads=\(threads)", "--chunk-size=1K"] + format + output + [source])
                try #require(dump.status == 0, "swiftdump \(format): \(dump.standardErrorText)")
                let restored = "t_hostile_\(UInt32.random(in: 0..<UInt32.max))"
                defer { _ = try? connection.execute("DROP DATABASE IF EXISTS `\(restored)`") }
                let restore = try StockTools.swiftrestore(["--threads=\(threads)", "--database", restored, "--verify", path])
                #expect(restore.status == 0, "swiftrestore \(format) -j \(threads): \(restore.standardErrorText)")
                try expectSameDatabase(source, restored)
                try expectNothingElseRan(on: connection, "swiftdump \(format) | swiftrestore -j \(threads)")
            }
        }
        // mariadb-dump's (correct) file, loaded by swiftrestore.
        do {
            let dump = try StockTools.dump(["-R", "-E", source])
            try #require(dump.status == 0, "mariadb-dump: \(dump.standardErrorText)")
            let restored = "t_hostile_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? connection.execute("DROP DATABASE IF EXISTS `\(restored)`") }
            let restore = try StockTools.swiftrestore(["-j", "4", "--database", restored, "--verify", "-"], input: dump.standardOutput)
            #expect(restore.status == 0, "mariadb-dump | swiftrestore: \(restore.standardErrorText)")
            try expectSameDatabase(source, restored)
            try expectNothingElseRan(on: connection, "mariadb-dump | swiftrestore")
        }
    }

    @Test("-B keeps the hostile database name: on another server through swiftrestore and through mysql")
    func underItsOwnName() throws {
        try Fixtures.load("hostile_names")
        let source = try TestServer.connect()
        let expected = try DatabaseFingerprint.of(Fixtures.hostileDatabase, connection: source)
        for loader in ["swiftrestore", "mysql"] {
            let server = try ScratchServer()
            defer { server.stop() }
            let dump = try StockTools.swiftdump(["-R", "-E", "-B", Fixtures.hostileDatabase])
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            if loader == "mysql" {
                let loaded = try server.mysql(input: dump.standardOutput)
                #expect(loaded.status == 0, "\(loaded.standardErrorText)")
            } else {
                let restored = try StockTools.swiftrestore(["-j", "4", "--verify", "-"], input: dump.standardOutput, socket: server.socket)
                #expect(restored.status == 0, "\(restored.standardErrorText)")
            }
            let target = try server.connect()
            #expect(try DatabaseFingerprint.of(Fixtures.hostileDatabase, connection: target) == expected, "\(loader)")
            #expect(try target.query("SHOW DATABASES LIKE 'swiftdump\\_canary'").rows.isEmpty, "the scratch server never had a canary")
            #expect(!FileManager.default.fileExists(atPath: Self.pwned))
        }
    }
}
