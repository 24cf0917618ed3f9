import MariaDBClient
import Testing
import TestSupport

@Suite("System-versioned tables")
struct HistoryTests {
    /// Every row version with its period, sorted, as text.
    func history(_ table: String, in database: String, period: (String, String), connection: Connection) throws -> [String] {
        try connection.query("""
            SELECT CONCAT_WS('|', id, v, \(period.0), \(period.1)) FROM `\(database)`.`\(table)` FOR SYSTEM_TIME ALL ORDER BY 1
            """).rows.compactMap { $0.string(0) }
    }

    @Test("--dump-history brings every row version back with its exact period; without it, the current rows only")
    func historyRoundTrip() throws {
        try Fixtures.load("fidelity_tables")
        let connection = try TestServer.connect()
        for withHistory in [true, false] {
            let dump = try StockTools.swiftdump((withHistory ? ["--dump-history"] : []) + ["fidelity_tables", "versioned", "explicit_period"])
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            let target = try TestServer.makeDatabase("history")
            defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
            try StockTools.mysql(database: target, input: dump.standardOutput)
            for (table, period) in [("versioned", ("row_start", "row_end")), ("explicit_period", ("rs", "re"))] {
                let source = try history(table, in: "fidelity_tables", period: period, connection: connection)
                let restored = try history(table, in: target, period: period, connection: connection)
                if withHistory {
                    #expect(source.count > 1)
                    #expect(restored == source, "\(table)")
                } else {
                    // Only the current rows, stamped anew by the restore.
                    let current = try connection.query("SELECT COUNT(*) FROM `fidelity_tables`.`\(table)`").rows[0].string(0)
                    #expect(String(restored.count) == current, "\(table)")
                }
            }
        }
    }
}
