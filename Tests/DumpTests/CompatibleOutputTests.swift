import Testing
import TestSupport

/// swiftdump's output equals mariadb-dump 10.11's, byte for byte, but for the tool's name, the
/// date, and the view placeholders swiftdump does not write — in mariadb-dump's table order
/// (`--dump-order=name`); the foreign-key-safe default order is tested in DumpOrderTests.
@Suite("Byte-identical to mariadb-dump")
struct CompatibleOutputTests {
    struct Dataset: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let load: @Sendable () throws -> Void
        var testDescription: String { name }
    }

    static let datasets: [Dataset] = [
        Dataset(name: "fidelity_values", arguments: ["fidelity_values"]) { try Fixtures.load("fidelity_values") },
        Dataset(name: "fidelity-names db", arguments: ["fidelity-names db"]) { try Fixtures.load("fidelity_names") },
        Dataset(name: "hostile names", arguments: [Fixtures.hostileDatabase]) { try Fixtures.load("hostile_names") },
        // Generated and period columns differ on purpose (their values are the server's to set,
        // so they are not dumped): see RoundTripTests.generatedColumns and HistoryTests.
        Dataset(name: "fidelity_tables", arguments: ["--ignore-table=fidelity_tables.generated", "--ignore-table=fidelity_tables.explicit_period",
                                                     "fidelity_tables"]) { try Fixtures.load("fidelity_tables") },
        Dataset(name: "sakila", arguments: ["sakila"]) { try Fixtures.loadSakila() },
        Dataset(name: "world", arguments: ["world"]) { try Fixtures.loadWorld() },
    ]

    static let optionSets: [[String]] = [
        [], ["--hex-blob"], ["--skip-extended-insert"], ["--compact"], ["--no-data"], ["--complete-insert"],
        ["--skip-tz-utc"], ["--net-buffer-length=4096"], ["--skip-comments", "--skip-dump-date"],
        ["--order-by-primary", "--insert-ignore", "--no-autocommit"], ["--replace", "--skip-add-locks", "--skip-disable-keys"],
        ["--no-create-info", "--skip-set-charset"], ["--skip-opt"], ["--compact", "--hex-blob", "--complete-insert"],
        ["--skip-triggers", "--add-drop-trigger"],
    ]

    @Test("every dataset under every option set", arguments: datasets, optionSets)
    func sameBytes(dataset: Dataset, options: [String]) throws {
        try dataset.load()
        try expectSameOutput(options + dataset.arguments)
    }

    @Test("--where, on one table and on every table of a database")
    func whereCondition() throws {
        try Fixtures.loadWorld()
        try Fixtures.load("fidelity_values")
        try expectSameOutput(["--where=ID < 100", "world", "city"])
        try expectSameOutput(["--where", "id > 1", "fidelity_values"])
    }

    @Test("-B with several databases: CREATE DATABASE and USE, --add-drop-database, -n")
    func databases() throws {
        try Fixtures.loadWorld()
        try Fixtures.load("fidelity_values")
        try Fixtures.load("fidelity_names")
        try expectSameOutput(["-B", "world", "fidelity_values", "fidelity-names db"])
        try expectSameOutput(["--add-drop-database", "--databases", "world", "fidelity-names db"])
        try expectSameOutput(["-B", "-n", "world"])
        try expectSameOutput(["--compact", "-B", "world"])
    }

    @Test("routines and events with -R -E, triggers with --add-drop-trigger")
    func routinesAndTriggers() throws {
        try Fixtures.loadSakila()
        try Fixtures.load("events_basic")
        try expectSameOutput(["-R", "-E", "--add-drop-trigger", "sakila"])
        try expectSameOutput(["-R", "-E", "events_basic"])
        try expectSameOutput(["-R", "-E", "--compact", "--skip-add-drop-table", "events_basic"])
        try expectSameOutput(["--no-data", "--skip-triggers", "events_basic"])
        try expectSameOutput(["--no-create-info", "-R", "events_basic"])
    }

    @Test("--dump-history: history rows, period columns implicit and explicit")
    func dumpHistory() throws {
        try Fixtures.load("fidelity_tables")
        try expectSameOutput(["--dump-history", "fidelity_tables", "versioned", "explicit_period", "no_key"])
        try expectSameOutput(["-H", "--compact", "--skip-extended-insert", "fidelity_tables", "versioned", "explicit_period"])
    }

    @Test("selected tables, in the order given; --ignore-table, repeated")
    func selectedTables() throws {
        try Fixtures.loadSakila()
        try Fixtures.loadWorld()
        try expectSameOutput(["sakila", "staff", "actor", "store"])
        try expectSameOutput(["--ignore-table=world.city", "--ignore-table", "world.countrylanguage", "world"])
        try expectSameOutput(["--ignore-table=sakila.actor_info", "-B", "sakila", "world"])
    }

    // The tests below take the global read lock (FLUSH TABLES WITH READ LOCK: --lock-all-tables,
    // and --master-data without --single-transaction). On the shared server that lock would
    // wait for the LOCK TABLES of a restore running in another test, whose next INSERT waits for
    // the global lock: a deadlock. They run on a server of their own.

    @Test("--master-data, --source-data and --gtid write the replication position as mariadb-dump does")
    func replicationPosition() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        try Fixtures.loadWorld(into: server)
        for options in [["--master-data=1"], ["--master-data=2"], ["--master-data"], ["--master-data=2", "--gtid"],
                        ["--master-data=1", "--gtid"], ["--single-transaction", "--master-data=1", "--gtid"]] {
            try expectSameOutput(options + ["world", "country"], positions: true, socket: server.socket)
        }
        // MySQL 8's name for it, which mariadb-dump 10.11 does not know.
        try expectSameOutput(["--master-data=2", "--gtid", "world", "country"], positions: true,
                             swiftdumpArguments: ["--source-data=2", "--gtid", "world", "country"], socket: server.socket)
    }

    @Test("-A: every database, the mysql schema included (log tables, statistics, the user view)")
    func allDatabases() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        try Fixtures.loadWorld(into: server)
        try Fixtures.load("fidelity_names", into: server)
        for options in [["-A"], ["-A", "--compact"], ["-A", "-R", "-E", "--skip-extended-insert"]] {
            try expectSameOutput(options, socket: server.socket)
        }
    }

    @Test("the consistency options change how the dump reads, not what it writes")
    func consistencyOptions() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        try Fixtures.loadWorld(into: server)
        for options in [["--single-transaction"], ["--lock-all-tables"], ["--skip-lock-tables", "--quick"], ["-x", "-F"]] {
            try expectSameOutput(options + ["world"], socket: server.socket)
        }
    }

    func expectSameOutput(_ arguments: [String], positions: Bool = false, swiftdumpArguments: [String]? = nil,
                          socket: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try StockTools.dump(arguments, socket: socket)
        try #require(expected.status == 0, "mariadb-dump failed: \(expected.standardErrorText)", sourceLocation: sourceLocation)
        let actual = try StockTools.swiftdump(["--dump-order=name"] + (swiftdumpArguments ?? arguments), socket: socket)
        try #require(actual.status == 0, "swiftdump failed (\(actual.status)): \(actual.standardErrorText)", sourceLocation: sourceLocation)
        let difference = DumpComparison.difference(expected: expected.standardOutput, actual: actual.standardOutput, positions: positions)
        #expect(difference == nil, "\(arguments): \(difference ?? "")", sourceLocation: sourceLocation)
    }
}
