import Foundation
import Testing
import Synchronization

/// Loads SQL into the test server with the stock `mariadb` client, once per test process:
/// our fixtures under fixtures/, and the shared datasets (sakila, world) from ../shared.
public enum Fixtures {
    private static let loaded = Mutex<Set<String>>([])

    /// Loads fixtures/NAME.sql (which creates its own database) unless this process already did.
    public static func load(_ name: String) throws {
        try once(name) { try StockTools.mysql(input: try read(RepositoryPaths.fixture("\(name).sql"))) }
    }

    /// The sakila sample database, as database `sakila`.
    public static func loadSakila() throws {
        try once("sakila") {
            try StockTools.mysql(input: try read(dataset("sakila/sakila-schema.sql")))
            try StockTools.mysql(input: try read(dataset("sakila/sakila-data.sql")))
        }
    }

    /// The world sample database, as database `world`.
    public static func loadWorld() throws {
        try once("world") {
            try StockTools.mysql(input: Array("DROP DATABASE IF EXISTS world; CREATE DATABASE world;".utf8))
            try StockTools.mysql(database: "world", input: try read(dataset("world/world.sql")))
        }
    }

    /// fixtures/NAME.sql loaded into another server.
    public static func load(_ name: String, into server: ScratchServer) throws {
        let loaded = try server.mysql(input: try read(RepositoryPaths.fixture("\(name).sql")))
        guard loaded.status == 0 else { throw TestServerError("loading \(name) into a scratch server failed: \(loaded.standardErrorText)") }
    }

    /// The world sample database loaded into another server.
    public static func loadWorld(into server: ScratchServer) throws {
        let created = try server.mysql(input: Array("CREATE DATABASE world;".utf8))
        let loaded = try server.mysql(database: "world", input: try read(dataset("world/world.sql")))
        guard created.status == 0, loaded.status == 0 else {
            throw TestServerError("loading world into a scratch server failed: \(created.standardErrorText)\(loaded.standardErrorText)")
        }
    }

    /// The database of fixtures/hostile_names.sql: a backtick and a combining acute in its name.
    public static let hostileDatabase = "hostile`\u{301} names"

    public static func dataset(_ path: String) -> String {
        RepositoryPaths.root.deletingLastPathComponent().appendingPathComponent("shared/datasets/\(path)").path
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TestServerError("cannot read \(path)") }
        return Array(data)
    }

    /// Runs `body` for `name` once; loads are serialised (they share the server).
    private static func once(_ name: String, _ body: () throws -> Void) throws {
        try loaded.withLock { names in
            guard !names.contains(name) else { return }
            try body()
            names.insert(name)
        }
    }
}

/// A database the tests dump and restore, with how to load it.
public struct Dataset: CustomTestStringConvertible, Sendable {
    public let database: String
    public let load: @Sendable () throws -> Void
    public var testDescription: String { database }

    public init(database: String, load: @escaping @Sendable () throws -> Void) {
        self.database = database
        self.load = load
    }

    public static let values = Dataset(database: "fidelity_values") { try Fixtures.load("fidelity_values") }
    public static let names = Dataset(database: "fidelity-names db") { try Fixtures.load("fidelity_names") }
    /// Names as attacks: a backtick or quote followed by a combining mark, `*/`, `\!`, `; DROP`.
    public static let hostile = Dataset(database: Fixtures.hostileDatabase) { try Fixtures.load("hostile_names") }
    public static let tables = Dataset(database: "fidelity_tables") { try Fixtures.load("fidelity_tables") }
    public static let objects = Dataset(database: "fidelity_objects") { try Fixtures.load("fidelity_objects") }
    public static let events = Dataset(database: "events_basic") { try Fixtures.load("events_basic") }
    public static let sakila = Dataset(database: "sakila") { try Fixtures.loadSakila() }
    public static let world = Dataset(database: "world") { try Fixtures.loadWorld() }
}

/// The stock MariaDB tools, used as oracles and loaders in tests (never by the product).
public enum StockTools {
    public static let mariadb = "/usr/bin/mariadb"
    public static let mariadbDump = "/usr/bin/mariadb-dump"

    /// The test server, or `socket`'s server (a ``ScratchServer``) when given.
    static func connectionArguments(socket: String? = nil) throws -> [String] {
        if let socket { return ["--no-defaults", "--socket=\(socket)", "--user=root"] }
        let endpoint = try TestServer.endpoint()
        return ["--no-defaults", "--socket=\(endpoint.socket)", "--user=\(endpoint.user)"]
    }

    /// Feeds `input` to the `mariadb` client and returns how it went, failure included (for
    /// tests that show a dump failing to load).
    public static func load(database: String? = nil, input: [UInt8], extra: [String] = []) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(mariadb, try connectionArguments() + extra + (database.map { [$0] } ?? []), input: input)
    }

    /// Feeds `input` to the `mariadb` client; throws with its error output if it fails.
    @discardableResult
    public static func mysql(database: String? = nil, input: [UInt8], extra: [String] = []) throws -> ProcessRunner.Outcome {
        let outcome = try load(database: database, input: input, extra: extra)
        guard outcome.status == 0 else { throw TestServerError("mariadb client failed (\(outcome.status)): \(outcome.standardErrorText)") }
        return outcome
    }

    /// Runs the stock mariadb-dump with `arguments` against the test server.
    public static func dump(_ arguments: [String], socket: String? = nil) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(mariadbDump, try connectionArguments(socket: socket) + arguments)
    }

    /// Runs the built swiftrestore with `arguments` against the test server (or `socket`'s).
    public static func swiftrestore(_ arguments: [String], input: [UInt8] = [], socket: String? = nil,
                                    environment: [String: String]? = nil) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), try connectionArguments(socket: socket) + arguments, input: input,
                              environment: environment)
    }

    /// Starts the built swiftdump with `arguments` against the test server, without waiting.
    public static func startSwiftdump(_ arguments: [String], socket: String? = nil, environment: [String: String]? = nil) throws -> ProcessRunner.Running {
        try ProcessRunner.start(RepositoryPaths.product("swiftdump"), try connectionArguments(socket: socket) + arguments, environment: environment)
    }

    /// Starts the built swiftrestore with `arguments` against the test server, without waiting.
    public static func startSwiftrestore(_ arguments: [String], socket: String? = nil, environment: [String: String]? = nil) throws -> ProcessRunner.Running {
        try ProcessRunner.start(RepositoryPaths.product("swiftrestore"), try connectionArguments(socket: socket) + arguments, environment: environment)
    }

    /// Runs the built swiftdump with `arguments` against the test server.
    public static func swiftdump(_ arguments: [String], socket: String? = nil, environment: [String: String]? = nil) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try connectionArguments(socket: socket) + arguments, environment: environment)
    }
}
