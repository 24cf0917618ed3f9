import MariaDBClient
import Testing
import TestSupport

/// Generated schemas: 50 tables with random foreign keys (cycles and self-references among
/// them) and rows in every table; the dump must load with foreign-key checks ON.
@Suite("Random foreign-key schemas")
struct RandomSchemaTests {
    /// Creates the schema in a new database (checks off while creating it, since it has cycles).
    static func makeSchema(seed: UInt64, tables: Int = 50, keys: Int = 80) throws -> String {
        var random = SeededRandom(state: seed)
        let database = try TestServer.makeDatabase("random\(seed)")
        let connection = try TestServer.connect(database: database)
        try connection.execute("SET SESSION foreign_key_checks = 0")
        var columns = [[String]](repeating: [], count: tables)
        var constraints = [[String]](repeating: [], count: tables)
        for key in 0..<keys {
            let child = Int.random(in: 0..<tables, using: &random)
            let parent = Bool.random(using: &random) && Bool.random(using: &random) ? child : Int.random(in: 0..<tables, using: &random)
            let column = "ref_\(key)"
            columns[child].append("`\(column)` INT NULL")
            let action = ["", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON UPDATE CASCADE"].randomElement(using: &random)!
            constraints[child].append("CONSTRAINT `fk_\(key)` FOREIGN KEY (`\(column)`) REFERENCES `t\(parent)` (`id`)\(action)")
        }
        for table in 0..<tables {
            let body = (["`id` INT PRIMARY KEY"] + columns[table] + constraints[table]).joined(separator: ", ")
            try connection.execute("CREATE TABLE `t\(table)` (\(body)) ENGINE=InnoDB")
        }
        // Every table has ids 1...6, so any reference to 1...6 is valid; rows arrive in any order.
        for table in 0..<tables {
            let rows = (1...6).shuffled(using: &random).map { id in
                "(" + ([String(id)] + columns[table].map { _ in Bool.random(using: &random) ? "NULL" : String(Int.random(in: 1...6, using: &random)) })
                    .joined(separator: ", ") + ")"
            }
            try connection.execute("INSERT INTO `t\(table)` VALUES \(rows.joined(separator: ", "))")
        }
        return database
    }

    @Test("dumped --compact and loaded with checks on, every table and constraint comes back", arguments: [UInt64(1), 2, 3])
    func loadsWithChecksOn(seed: UInt64) throws {
        let source = try Self.makeSchema(seed: seed)
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(source)`") }
        let dump = try StockTools.swiftdump(["--compact", source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        let target = try TestServer.makeDatabase("randomcopy")
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        try StockTools.mysql(database: target, input: dump.standardOutput)
        let before = try DatabaseFingerprint.of(source, connection: connection)
        let after = try DatabaseFingerprint.of(target, connection: connection)
        #expect(after.tables.count == 50)
        #expect(after.tables == before.tables)

        // The control: the same schema in name order (mariadb-dump's) does not load with checks on.
        let byName = try StockTools.swiftdump(["--compact", "--dump-order=name", source])
        let control = try TestServer.makeDatabase("randomname")
        defer { _ = try? connection.execute("DROP DATABASE `\(control)`") }
        let failed = try StockTools.load(database: control, input: byName.standardOutput)
        #expect(failed.status != 0, "name order loaded with checks on: the schema has no ordering problem to solve")
    }
}
