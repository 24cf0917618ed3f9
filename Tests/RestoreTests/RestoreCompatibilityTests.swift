import Foundation
import MariaDBClient
import Testing
import TestSupport

/// Dumps swiftdump did not write, the target's existing tables, and the options that change
/// what is loaded.
@Suite("Restoring mysqldump files and existing databases")
struct RestoreCompatibilityTests {
    // Not fidelity_objects: mariadb-dump 10.11 loops forever on its event containing ";;".
    @Test("the stock mariadb-dump's output (full, and --compact with --force) restores in parallel to equal data",
          arguments: ["sakila", "events_basic", "fidelity_values", "fidelity_tables", "hostile_names"])
    func mariadbDumpOutput(fixture: String) throws {
        let database = fixture == "hostile_names" ? Fixtures.hostileDatabase : fixture
        if database == "sakila" { try Fixtures.loadSakila() } else { try Fixtures.load(fixture) }
        // --compact leaves out SQL_MODE='NO_AUTO_VALUE_ON_ZERO' and the server's strict mode
        // refuses values for generated columns: fidelity_tables does not load as --compact,
        // with the stock client either (--verify says so: see keepExistingAndVerify).
        for compact in database == "fidelity_tables" ? [false] : [false, true] {
            let dump = try StockTools.dump(["-R", "-E", "--triggers"] + (compact ? ["--compact"] : []) + [database])
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            let target = "t_mdump_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
            if compact {
                // No completion line: refused as possibly truncated, unless --force.
                let refused = try StockTools.swiftrestore(["--database", target, "-"], input: dump.standardOutput)
                #expect(refused.status == 7, "\(refused.standardErrorText)")
                #expect(refused.standardErrorText.contains("-- Dump completed"))
                #expect(try TestServer.connect().query("SHOW DATABASES LIKE '\(target)'").rows.isEmpty, "nothing applied")
            }
            let restore = try StockTools.swiftrestore(["-j", "4", "--database", target, "--verify"] + (compact ? ["--force"] : []) + ["-"], input: dump.standardOutput)
            #expect(restore.status == 0, "compact \(compact): \(restore.standardErrorText)")
            if compact { #expect(restore.standardErrorText.contains("--force")) }
            try expectSameDatabase(database, target)
        }
    }

    @Test("a changed schema in the target: the stock client fails with errno 150, swiftrestore loads it")
    func schemaChangedSinceTheDump() throws {
        let source = try TestServer.makeDatabase("schema_new")
        let connection = try TestServer.connect(database: source)
        defer { _ = try? connection.execute("DROP DATABASE `\(source)`") }
        // The new schema: ids became BIGINT. In name order the child comes first.
        try connection.execute("CREATE TABLE parent (id BIGINT PRIMARY KEY, name VARCHAR(20))")
        try connection.execute("CREATE TABLE child (id BIGINT PRIMARY KEY, pid BIGINT, CONSTRAINT child_parent FOREIGN KEY (pid) REFERENCES parent (id))")
        try connection.execute("INSERT INTO parent VALUES (1, 'one'), (5000000000, 'big')")
        try connection.execute("INSERT INTO child VALUES (1, 1), (2, 5000000000)")
        let dump = try StockTools.dump([source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        func oldSchema() throws -> String {
            let target = try TestServer.makeDatabase("schema_old")
            let old = try TestServer.connect(database: target)
            try old.execute("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20))")
            try old.execute("CREATE TABLE child (id INT PRIMARY KEY, pid INT, CONSTRAINT child_parent FOREIGN KEY (pid) REFERENCES parent (id))")
            try old.execute("INSERT INTO parent VALUES (1, 'one')")
            try old.execute("INSERT INTO child VALUES (1, 1)")
            return target
        }
        let stock = try oldSchema()
        defer { _ = try? connection.execute("DROP DATABASE `\(stock)`") }
        let failed = try StockTools.load(database: stock, input: dump.standardOutput)
        #expect(failed.status != 0)
        #expect(failed.standardErrorText.contains("errno: 150"), "\(failed.standardErrorText)")

        let ours = try oldSchema()
        defer { _ = try? connection.execute("DROP DATABASE `\(ours)`") }
        let restore = try StockTools.swiftrestore(["-j", "4", "--database", ours, "--verify", "-"], input: dump.standardOutput)
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        try expectSameDatabase(source, ours)
    }

    @Test("--if-not-exists keeps existing tables and adds the rows; --verify reports a table that differs")
    func keepExistingAndVerify() throws {
        try Fixtures.load("fidelity_values")
        let dump = try StockTools.swiftdump(["fidelity_values"])
        try #require(dump.status == 0)
        let target = try TestServer.makeDatabase("keep")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(target)`") }
        let connection = try TestServer.connect(database: target)
        // An empty copy of one table, and a table the dump does not have.
        try connection.execute("CREATE TABLE tricky_strings LIKE fidelity_values.tricky_strings")
        try connection.execute("CREATE TABLE extra_kept (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO extra_kept VALUES (1)")
        let kept = try StockTools.swiftrestore(["--database", target, "--if-not-exists", "--verify", "-"], input: dump.standardOutput)
        #expect(kept.status == 0, "\(kept.standardErrorText)")
        #expect(try connection.query("SELECT COUNT(*) FROM extra_kept").rows[0].string(0) == "1", "an existing table is kept")
        try expectSameDatabase("fidelity_values", target, definitions: false, ignoring: ["extra_kept"])

        // A row the dump does not have: the load succeeds, --verify says which table differs.
        let other = try TestServer.makeDatabase("verify")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(other)`") }
        let second = try TestServer.connect(database: other)
        try second.execute("CREATE TABLE tricky_strings LIKE fidelity_values.tricky_strings")
        try second.execute("INSERT INTO tricky_strings (id, s) VALUES (999999, 'not in the dump')")
        let verify = try StockTools.swiftrestore(["--database", other, "--if-not-exists", "--verify", "-"], input: dump.standardOutput)
        #expect(verify.status == 8, "\(verify.standardErrorText)")
        #expect(verify.standardErrorText.contains("tricky_strings"), "\(verify.standardErrorText)")
        #expect(!verify.standardErrorText.contains("null_and_empty"), "only the table that differs")
    }

    @Test("--clean-databases drops the database first (with --yes; refused without it off a terminal)")
    func cleanDatabases() throws {
        try Fixtures.load("fidelity_tables")
        let dump = try StockTools.swiftdump(["fidelity_tables"])
        try #require(dump.status == 0)
        let target = try TestServer.makeDatabase("clean")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(target)`") }
        try TestServer.connect(database: target).execute("CREATE TABLE leftover (id INT)")
        let unconfirmed = try StockTools.swiftrestore(["--database", target, "--clean-databases", "-"], input: dump.standardOutput)
        #expect(unconfirmed.status == 1, "\(unconfirmed.standardErrorText)")
        #expect(unconfirmed.standardErrorText.contains("--yes"))
        #expect(try TestServer.connect(database: target).query("SHOW TABLES LIKE 'leftover'").rows.count == 1)
        let restore = try StockTools.swiftrestore(["--database", target, "--clean-databases", "--yes", "-j", "3", "-"], input: dump.standardOutput)
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        #expect(try TestServer.connect(database: target).query("SHOW TABLES LIKE 'leftover'").rows.isEmpty)
        try expectSameDatabase("fidelity_tables", target)
    }

    @Test("secondary indexes deferred by default: the same tables, every index and foreign key back, in the original's order",
          arguments: ["stream", "dir", "mariadb-dump"])
    func deferIndexes(format: String) throws {
        try Fixtures.loadSakila()
        let path = scratchPath("defer")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = format == "mariadb-dump"
            ? try StockTools.dump(["-R", "-E", "--triggers", "-r", path, "sakila"])
            : try StockTools.swiftdump(["-R", "-E", "--chunk-size=32K"] + (format == "dir" ? ["--format=dir", "-o", path] : ["-r", path]) + ["sakila"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let connection = try TestServer.connect()
        // sakila's tables are small: deferred all the same (--defer-indexes-min-size=0).
        for options in [["--defer-indexes-min-size=0"], ["--no-defer-indexes"]] {
            let target = "t_defer_\(UInt32.random(in: 0..<UInt32.max))"
            defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
            let restore = try StockTools.swiftrestore(["-j", "4", "--database", target, "--verify"] + options + [path])
            #expect(restore.status == 0, "\(restore.standardErrorText)")
            try expectSameDatabase("sakila", target, definitions: false)
            // Every table's definition as the original's: its indexes, foreign keys, their order.
            for table in try connection.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sakila' AND table_type = 'BASE TABLE'").rows.map({ $0.string(0) ?? "" }) {
                let original = try connection.query("SHOW CREATE TABLE sakila.`\(table)`").rows[0].string(1) ?? ""
                let restored = try connection.query("SHOW CREATE TABLE `\(target)`.`\(table)`").rows[0].string(1) ?? ""
                #expect(restored.replacingOccurrences(of: #" AUTO_INCREMENT=\d+"#, with: "", options: .regularExpression)
                        == original.replacingOccurrences(of: #" AUTO_INCREMENT=\d+"#, with: "", options: .regularExpression), "\(table) \(options)")
            }
        }
    }

    @Test("a deferred index the server refuses fails the restore, naming the table and the statement; --no-defer-indexes loads it")
    func deferredIndexFails() throws {
        // After its rows the dump drops the column the index is on: the deferred ADD KEY has
        // nothing to index. Loaded with the index in CREATE TABLE, the DROP COLUMN takes the
        // index with it.
        let dump = """
            CREATE TABLE `orders` (
              `id` int(11) NOT NULL,
              `customer` int(11) NOT NULL,
              `note` varchar(20) DEFAULT NULL,
              PRIMARY KEY (`id`),
              KEY `by_note` (`note`)
            ) ENGINE=InnoDB;
            INSERT INTO `orders` VALUES (1,10,'a'),(2,20,'b'),(3,30,'c');
            ALTER TABLE `orders` DROP COLUMN `note`;
            CREATE TABLE `other` (`id` int(11) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
            INSERT INTO `other` VALUES (1);
            -- Dump completed on 2026-12-02 10:00:00

            """
        let target = "t_defer_fail_\(UInt32.random(in: 0..<UInt32.max))"
        defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
        let failed = try StockTools.swiftrestore(["-j", "2", "--database", target, "--defer-indexes-min-size=0", "-"], input: Array(dump.utf8))
        #expect(failed.status == 2, "\(failed.status): \(failed.standardErrorText)")
        #expect(failed.standardErrorText.contains("ALTER TABLE `orders` ADD KEY `by_note` (`note`)"), "\(failed.standardErrorText)")
        #expect(failed.standardErrorText.contains("(the deferred indexes of `\(target)`.`orders`)"), "\(failed.standardErrorText)")
        #expect(failed.standardErrorText.contains("1072") || failed.standardErrorText.contains("doesn't exist"), "\(failed.standardErrorText)")
        _ = try TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`")
        // A table this small keeps its indexes by default: it loads as with --no-defer-indexes.
        for options in [["--no-defer-indexes"], []] {
            _ = try TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`")
            let loaded = try StockTools.swiftrestore(["-j", "2", "--database", target] + options + ["-"], input: Array(dump.utf8))
            #expect(loaded.status == 0, "\(options): \(loaded.standardErrorText)")
            #expect(try TestServer.connect().query("SELECT COUNT(*) FROM `\(target)`.orders").rows[0].string(0) == "3")
        }
    }

    @Test("into an empty database the dump's DROP TABLE IF EXISTS are left out, InnoDB's DISABLE/ENABLE KEYS too (MyISAM's are sent), only tables of --defer-indexes-min-size rows wait for their indexes and only those of --bulk-insert-min-size load in bulk; into a database holding other tables every DROP runs",
          arguments: ["stream", "dir", "mariadb-dump"])
    func dropsAndDeferralBySize(format: String) throws {
        let source = try TestServer.makeDatabase("sized")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let connection = try TestServer.connect(database: source)
        // `big`: about 1.4 MB of INSERTs; six small tables of three rows, one of them MyISAM.
        // Each has a secondary index.
        try connection.execute("CREATE TABLE big (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(100) NOT NULL, KEY by_k (k)) ENGINE=InnoDB")
        try connection.execute("INSERT INTO big SELECT seq, seq % 97, REPEAT('x', 100) FROM seq_1_to_12000")
        let small = (0..<5).map { "small\($0)" } + ["small_myisam"]
        for table in small {
            let engine = table.hasSuffix("myisam") ? "MyISAM" : "InnoDB"
            try connection.execute("CREATE TABLE \(table) (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, KEY by_v (v)) ENGINE=\(engine)")
            try connection.execute("INSERT INTO \(table) VALUES (1, 10), (2, 20), (3, 30)")
        }
        let path = scratchPath("sized")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = format == "mariadb-dump"
            ? try StockTools.dump(["-r", path, source])
            : try StockTools.swiftdump((format == "dir" ? ["--format=dir", "-o", path] : ["-r", path]) + [source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        // A server of the test's own: its statement counters count this restore's statements only.
        let server = try ScratchServer()
        defer { server.stop() }
        let target = try server.connect()
        // Innodb_bulk_operations: the tables InnoDB loaded in bulk (empty, with foreign key and
        // unique checks off), one per table.
        func counters() throws -> (drops: Int, alters: Int, bulk: Int) {
            let rows = try target.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_drop_table', 'Com_alter_table', 'Innodb_bulk_operations')").rows
            let values = Dictionary(uniqueKeysWithValues: rows.map { ($0.string(0) ?? "", Int($0.string(1) ?? "") ?? -1) })
            return (values["Com_drop_table"] ?? -1, values["Com_alter_table"] ?? -1, values["Innodb_bulk_operations"] ?? -1)
        }
        func expectSameTables(_ database: String) throws {
            for table in ["big"] + small {
                let original = try connection.query("SHOW CREATE TABLE `\(table)`").rows[0].string(1)
                #expect(try target.query("SHOW CREATE TABLE `\(database)`.`\(table)`").rows[0].string(1) == original, "\(format) \(database).\(table)")
                let rows = try connection.query("SELECT COUNT(*), SUM(CRC32(CONCAT_WS(',', id, \(table == "big" ? "k, c" : "v")))) FROM `\(table)`").rows[0]
                let restored = try target.query("SELECT COUNT(*), SUM(CRC32(CONCAT_WS(',', id, \(table == "big" ? "k, c" : "v")))) FROM `\(database)`.`\(table)`").rows[0]
                #expect(restored.string(0) == rows.string(0) && restored.string(1) == rows.string(1), "\(format) \(database).\(table)")
            }
        }

        // A single stream brackets each table's rows with ALTER TABLE ... DISABLE KEYS / ENABLE
        // KEYS: no-ops on InnoDB, not sent; the MyISAM table's are.
        let keyToggles = format == "dir" ? 0 : 2
        let before = try counters()
        let restore = try StockTools.swiftrestore(["-j", "2", "--database", "fresh", "--defer-indexes-min-size=1M", path], socket: server.socket)
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        let after = try counters()
        #expect(after.drops - before.drops == 0, "\(format): DROP TABLE sent into an empty database")
        #expect(after.alters - before.alters == keyToggles + 1, "\(format): one ALTER TABLE, big's deferred index")
        #expect(after.bulk - before.bulk == 1, "\(format): big alone loaded in bulk, the three-row tables row by row")
        try expectSameTables("fresh")

        try target.execute("CREATE DATABASE holding")
        try target.execute("CREATE TABLE holding.keep_me (id INT PRIMARY KEY)")
        let again = try StockTools.swiftrestore(["-j", "2", "--database", "holding", path], socket: server.socket)
        #expect(again.status == 0, "\(again.standardErrorText)")
        let last = try counters()
        #expect(last.drops - after.drops == 7, "\(format): the dump's seven DROP TABLE IF EXISTS")
        #expect(last.alters - after.alters == keyToggles, "\(format): 1.4 MB of rows is below the default 16M: nothing deferred")
        #expect(last.bulk - after.bulk == 1, "\(format): big in bulk again (its DROP left it new and empty)")
        try expectSameTables("holding")
        #expect(try target.query("SHOW TABLES FROM holding LIKE 'keep_me'").rows.count == 1)

        // --bulk-insert-min-size=0: every InnoDB table in bulk (MyISAM has no such load).
        let everyTable = try StockTools.swiftrestore(["-j", "2", "--database", "bulk", "--bulk-insert-min-size=0", path], socket: server.socket)
        #expect(everyTable.status == 0, "\(everyTable.standardErrorText)")
        #expect(try counters().bulk - last.bulk == 6, "\(format): big and the five small InnoDB tables in bulk")
        try expectSameTables("bulk")
    }

    @Test("a directory restore sends each file's session header only where something changed it: a few SETs per table, not ten; triggers keep their sql_mode")
    func directoryHeaderSentOnce() throws {
        let source = try TestServer.makeDatabase("headers")
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(source)`") }
        let connection = try TestServer.connect(database: source)
        let tables = 20
        for index in 0..<tables {
            try connection.execute("CREATE TABLE t\(index) (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) CHARACTER SET latin1 NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
            try connection.execute("INSERT INTO t\(index) VALUES (1, 'caf\u{E9}'), (2, 'b')")
        }
        try connection.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE'")
        try connection.execute("CREATE TRIGGER up BEFORE INSERT ON t0 FOR EACH ROW SET NEW.v = UPPER(NEW.v)")
        let path = scratchPath("headers")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try StockTools.swiftdump(["--format=dir", "-o", path, source])
        try #require(dump.status == 0, "\(dump.standardErrorText)")

        let server = try ScratchServer()
        defer { server.stop() }
        let target = try server.connect()
        func sets() throws -> Int {
            Int(try target.query("SHOW GLOBAL STATUS LIKE 'Com_set_option'").rows[0].string(1) ?? "") ?? -1
        }
        let before = try sets()
        let restore = try StockTools.swiftrestore(["-j", "2", "--database", "copy", "--verify", path], socket: server.socket)
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        let sent = try sets() - before
        // Each schema file saves, sets and sets back the character set (3); each connection
        // runs the header and the restore's settings once; the objects file a few more. Sent
        // with every file, the headers alone would be 5 per file, over 200 here.
        #expect(sent <= 3 * tables + 60, "\(sent) SET statements for \(tables) tables")
        for index in 0..<tables {
            let hex = "SELECT HEX(GROUP_CONCAT(v ORDER BY id)) FROM "
            #expect(try target.query(hex + "copy.t\(index)").rows[0].string(0) == connection.query(hex + "t\(index)").rows[0].string(0), "t\(index)")
        }
        let mode = try target.query("SELECT SQL_MODE, CHARACTER_SET_CLIENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'copy'").rows
        let original = try connection.query("SELECT SQL_MODE, CHARACTER_SET_CLIENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '\(source)'").rows
        #expect(mode.count == 1 && mode.first?.string(0) == original.first?.string(0) && mode.first?.string(1) == original.first?.string(1))
    }

    @Test("--list prints the databases, tables with rows, and objects without connecting")
    func list() throws {
        try Fixtures.loadSakila()
        let path = scratchPath("list.sql.zst")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try StockTools.swiftdump(["-R", "-E", "-B", "sakila", "-r", path])
        try #require(dump.status == 0)
        // No connection options at all: --list reads the file only.
        let listing = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), ["--no-defaults", "--list", "--host=192.0.2.1", path])
        #expect(listing.status == 0, "\(listing.standardErrorText)")
        let text = listing.standardOutputText
        #expect(text.contains("zstd"))
        #expect(text.contains("database sakila"))
        #expect(text.contains("  table rental  16044 rows"), "\(text)")
        #expect(text.contains("  view customer_list"))
        #expect(text.contains("  trigger ins_film"))
        #expect(text.contains("  procedure film_in_stock"))
        #expect(text.contains("  function get_customer_balance"))

        let directory = scratchPath("listdir")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dirDump = try StockTools.swiftdump(["-R", "--format=dir", "-o", directory, "sakila"])
        try #require(dirDump.status == 0)
        let dirListing = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), ["--no-defaults", "--list", directory])
        #expect(dirListing.status == 0)
        #expect(dirListing.standardOutputText.contains("  table rental  16044 rows"), "\(dirListing.standardOutputText)")
        #expect(dirListing.standardOutputText.contains("snapshot:"))
        #expect(dirListing.standardOutputText.contains("trigger "))
    }
}
