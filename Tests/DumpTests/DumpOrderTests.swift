import MariaDBClient
import Testing
import TestSupport

/// The default order loads with foreign-key checks ON: parents first, cycle-closing and
/// self-referencing constraints added after the data, databases after those they reference.
@Suite("Foreign-key-safe dumps load with checks on")
struct DumpOrderTests {
    struct Dataset: CustomTestStringConvertible, Sendable {
        let database: String
        /// -R where views call functions: without it they cannot be created.
        var options: [String] = []
        /// --compact leaves out the header, and with it SQL_MODE='NO_AUTO_VALUE_ON_ZERO': a 0 in
        /// an AUTO_INCREMENT column (fidelity_tables) then becomes a new value, as with mysqldump.
        /// Such a dataset is loaded with checks on only through the header-without-checks-off form.
        var compactIsFaithful = true
        let load: @Sendable () throws -> Void
        var testDescription: String { database }
    }

    static let datasets: [Dataset] = [
        Dataset(database: "fidelity_order") { try Fixtures.load("fidelity_order") },
        Dataset(database: "fidelity_objects", options: ["-R", "-E"]) { try Fixtures.load("fidelity_objects") },
        Dataset(database: "sakila", options: ["-R"]) { try Fixtures.loadSakila() },
        Dataset(database: "world") { try Fixtures.loadWorld() },
        Dataset(database: "fidelity_tables", compactIsFaithful: false) { try Fixtures.load("fidelity_tables") },
        Dataset(database: "fidelity-names db", options: ["-R", "-E"]) { try Fixtures.load("fidelity_names") },
        Dataset(database: "events_basic", options: ["-R", "-E"]) { try Fixtures.load("events_basic") },
    ]

    /// The header line that turns the checks off, kept only as the save the footer restores.
    static func withoutChecksOff(_ dump: [UInt8]) -> [UInt8] {
        let line = Array("/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;".utf8)
        let replacement = Array("/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS */;".utf8)
        guard let range = dump.firstRange(of: line) else { return dump }
        return Array(dump[..<range.lowerBound]) + replacement + Array(dump[range.upperBound...])
    }

    @Test("as written, as --compact (no header) and without the header's FOREIGN_KEY_CHECKS=0, each loads with checks on and compares equal",
          arguments: datasets)
    func loadsWithChecksOn(dataset: Dataset) throws {
        try dataset.load()
        let normal = try StockTools.swiftdump(dataset.options + [dataset.database])
        let compact = try StockTools.swiftdump(dataset.options + ["--compact", dataset.database])
        try #require(normal.status == 0 && compact.status == 0, "\(normal.standardErrorText)\(compact.standardErrorText)")
        #expect(normal.standardOutput != Self.withoutChecksOff(normal.standardOutput), "the header line was not found")

        let connection = try TestServer.connect()
        let source = try DatabaseFingerprint.of(dataset.database, connection: connection)
        var variants = [("as written", normal.standardOutput), ("checks left on", Self.withoutChecksOff(normal.standardOutput))]
        if dataset.compactIsFaithful { variants.append(("--compact", compact.standardOutput)) }
        for (label, dump) in variants {
            let target = try TestServer.makeDatabase("order")
            defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
            // The stock client's session has FOREIGN_KEY_CHECKS=1 unless the dump says otherwise.
            try StockTools.mysql(database: target, input: dump)
            let restored = try DatabaseFingerprint.of(target, connection: connection)
            #expect(restored.tables == source.tables, "\(label): tables differ")
            let expected = dataset.options.contains("-R") ? source.objects : source.objects.filter { !$0.hasPrefix("FUNCTION ") && !$0.hasPrefix("PROCEDURE ") }
            #expect(restored.objects == expected, "\(label): objects differ")
        }
    }

    @Test("mariadb-dump's --compact output fails with checks on (errno 150); swiftdump's loads")
    func stockToolFails() throws {
        try Fixtures.load("fidelity_order")
        let stock = try StockTools.dump(["--compact", "fidelity_order"])
        try #require(stock.status == 0)
        let target = try TestServer.makeDatabase("stockorder")
        let connection = try TestServer.connect()
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        let failed = try StockTools.load(database: target, input: stock.standardOutput)
        #expect(failed.status != 0)
        #expect(failed.standardErrorText.contains("errno: 150") || failed.standardErrorText.contains("1005"), "\(failed.standardErrorText)")

        let ours = try StockTools.swiftdump(["--compact", "fidelity_order"])
        try connection.execute("DROP DATABASE `\(target)`")
        try connection.execute("CREATE DATABASE `\(target)`")
        try StockTools.mysql(database: target, input: ours.standardOutput)
    }

    @Test("events come after everything else, routines before the views that call them")
    func eventsLast() throws {
        try Fixtures.load("fidelity_objects")
        let text = try StockTools.swiftdump(["-R", "-E", "fidelity_objects"]).standardOutputText
        let events = try #require(text.range(of: "-- Dumping events for database"))
        let lastView = try #require(text.range(of: "-- Final view structure for view", options: .backwards))
        let routines = try #require(text.range(of: "-- Dumping routines for database"))
        let lastTable = try #require(text.range(of: "-- Dumping data for table", options: .backwards))
        #expect(lastTable.lowerBound < routines.lowerBound)
        #expect(routines.lowerBound < lastView.lowerBound)
        #expect(lastView.lowerBound < events.lowerBound)
        #expect(text.contains("CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `semicolon_event`"))
    }

    @Test("a table whose DEFAULT uses a sequence: mariadb-dump's output fails (error 1100), swiftdump's loads")
    func sequenceDefault() throws {
        try Fixtures.load("fidelity_objects")
        let connection = try TestServer.connect()
        let stock = try StockTools.dump(["-R", "fidelity_objects"])
        try #require(stock.status == 0)
        let target = try TestServer.makeDatabase("stockseq")
        defer { _ = try? connection.execute("DROP DATABASE `\(target)`") }
        let failed = try StockTools.load(database: target, input: stock.standardOutput)
        #expect(failed.status != 0 && failed.standardErrorText.contains("1100"), "\(failed.standardErrorText)")

        let ours = try StockTools.swiftdump(["-R", "fidelity_objects"])
        try connection.execute("DROP DATABASE `\(target)`")
        try connection.execute("CREATE DATABASE `\(target)`")
        try StockTools.mysql(database: target, input: ours.standardOutput)
        #expect(try connection.query("SELECT COUNT(*) FROM `\(target)`.orders").rows[0].string(0) == "3")
        // The triggers did not fire for the restore's own rows.
        #expect(try connection.query("SELECT COUNT(*) FROM `\(target)`.audit").rows[0].string(0) == "1")
        #expect(try connection.query("SELECT created FROM `\(target)`.stamped").rows[0].string(0) == "original value")
    }

    @Test("databases: one referenced by another comes first; both restore with checks on on another server")
    func crossDatabase() throws {
        try Fixtures.load("fidelity_order")
        let dump = try StockTools.swiftdump(["--compact", "-B", "fidelity_order_b", "fidelity_order"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let text = dump.standardOutputText
        let referenced = try #require(text.range(of: "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `fidelity_order` "))
        let referencing = try #require(text.range(of: "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `fidelity_order_b` "))
        #expect(referenced.lowerBound < referencing.lowerBound)

        let scratch = try ScratchServer()
        defer { scratch.stop() }
        let loaded = try scratch.mysql(input: dump.standardOutput)
        #expect(loaded.status == 0, "\(loaded.standardErrorText)")
        let source = try TestServer.connect()
        let restored = try scratch.connect()
        for database in ["fidelity_order", "fidelity_order_b"] {
            #expect(try DatabaseFingerprint.of(database, connection: restored).tables == DatabaseFingerprint.of(database, connection: source).tables, "\(database)")
        }
    }
}
