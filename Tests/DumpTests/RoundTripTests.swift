import MariaDBClient
import Testing
import TestSupport

/// A dump loaded back with the stock `mysql` client gives the same tables, rows and objects.
@Suite("Round trip through the stock mysql client")
struct RoundTripTests {
    static let datasets: [Dataset] = [.values, .names, .hostile, .tables, .sakila, .world]

    static let optionSets: [[String]] = [[], ["--hex-blob", "--skip-extended-insert", "--net-buffer-length=8192"], ["-R", "-E", "--skip-tz-utc"]]

    @Test("restored databases equal their source", arguments: datasets, optionSets)
    func restoredEqualsSource(dataset: Dataset, options: [String]) throws {
        try dataset.load()
        let dump = try StockTools.swiftdump(options + [dataset.database])
        try #require(dump.status == 0, "swiftdump failed: \(dump.standardErrorText)")

        let target = try TestServer.makeDatabase("roundtrip")
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        try StockTools.mysql(database: target, input: dump.standardOutput)

        let source = try DatabaseFingerprint.of(dataset.database, connection: connection)
        let restored = try DatabaseFingerprint.of(target, connection: connection)
        #expect(restored.tables.map(\.name) == source.tables.map(\.name))
        for (left, right) in zip(source.tables, restored.tables) {
            #expect(right.rowCount == left.rowCount, "\(left.name): row count")
            #expect(right.hashSums == left.hashSums, "\(left.name): row contents")
            #expect(right.createStatement == left.createStatement, "\(left.name): definition")
        }
        // Without -R the source's routines are not in the dump, without -E its events are not.
        let expectedObjects = source.objects.filter { object in
            if !options.contains("-R") && (object.hasPrefix("FUNCTION ") || object.hasPrefix("PROCEDURE ")) { return false }
            if !options.contains("-E") && object.hasPrefix("event ") { return false }
            return true
        }
        #expect(restored.objects == expectedObjects)
    }

    @Test("generated columns: expressions kept, values left out of the data and recomputed")
    func generatedColumns() throws {
        try Fixtures.load("fidelity_tables")
        let dump = try StockTools.swiftdump(["--compact", "--skip-comments", "fidelity_tables", "generated"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let text = dump.standardOutputText
        #expect(text.contains("INSERT INTO `generated` (`id`, `price`, `qty`) VALUES (1,9.99,3),\n(2,0.50,10),\n(3,NULL,1);\n"))
        #expect(text.contains("`total` decimal(12,2) GENERATED ALWAYS AS (`price` * `qty`) VIRTUAL"))
        #expect(text.contains("`label` varchar(40) GENERATED ALWAYS AS (concat('item-',`id`)) STORED"))
    }
}

@Suite("The round-trip comparison itself")
struct FingerprintTests {
    @Test("a one-byte change in one row, or a row fewer, changes the fingerprint")
    func sensitive() throws {
        let database = try TestServer.makeDatabase("fingerprint")
        let connection = try TestServer.connect(database: database)
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        try connection.execute("CREATE TABLE t (id INT PRIMARY KEY, b VARBINARY(10), h INT INVISIBLE)")
        try connection.execute("INSERT INTO t (id, b, h) VALUES (1, 0x0000, 5), (2, NULL, 6), (3, '', 7)")
        let before = try DatabaseFingerprint.of(database, connection: connection)
        try connection.execute("UPDATE t SET b = 0x0001 WHERE id = 1")
        let changedByte = try DatabaseFingerprint.of(database, connection: connection)
        #expect(changedByte != before)
        try connection.execute("UPDATE t SET b = 0x0000 WHERE id = 1")
        #expect(try DatabaseFingerprint.of(database, connection: connection) == before)
        try connection.execute("UPDATE t SET h = 8 WHERE id = 3")
        #expect(try DatabaseFingerprint.of(database, connection: connection) != before, "invisible columns count")
        try connection.execute("UPDATE t SET h = 7 WHERE id = 3")
        try connection.execute("UPDATE t SET b = NULL WHERE id = 3")
        #expect(try DatabaseFingerprint.of(database, connection: connection) != before, "'' and NULL differ")
        try connection.execute("DELETE FROM t WHERE id = 3")
        #expect(try DatabaseFingerprint.of(database, connection: connection) != before)
    }
}

@Suite("TIMESTAMPs across DST changes")
struct TimeZoneRoundTripTests {
    /// Dumps fidelity_values.dst_timestamps with `options` and loads it in New York time.
    func restoredInNewYork(_ options: [String]) throws -> (source: DatabaseFingerprint.Table?, restored: DatabaseFingerprint.Table?) {
        try Fixtures.load("fidelity_values")
        let dump = try StockTools.swiftdump(options + ["fidelity_values", "dst_timestamps"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let target = try TestServer.makeDatabase("timezone")
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        try StockTools.mysql(database: target, input: dump.standardOutput, extra: ["--init-command=SET time_zone = 'America/New_York'"])
        let source = try DatabaseFingerprint.of("fidelity_values", connection: connection)
        return (source.tables.first { $0.name == "dst_timestamps" }, try DatabaseFingerprint.of(target, connection: connection).tables.first)
    }

    @Test("with --tz-utc (the default) the same instants come back in a session of another time zone")
    func tzUTC() throws {
        let (source, restored) = try restoredInNewYork([])
        #expect(restored?.rowCount == "5")
        #expect(restored?.hashSums == source?.hashSums)
    }

    @Test("with --skip-tz-utc they do not: the check above can fail")
    func skipTzUTC() throws {
        let (source, restored) = try restoredInNewYork(["--skip-tz-utc"])
        #expect(restored?.rowCount == "5")
        #expect(restored?.hashSums != source?.hashSums)
    }
}
