import Foundation
import MariaDBClient

/// The MariaDB server the tests talk to.
///
/// `scripts/test` starts one and passes it in `SWIFTDUMP_TEST_SOCKET`/`SWIFTDUMP_TEST_PORT`.
/// When `swift test` runs without them, the first test that asks starts the same kind of
/// throwaway server with `scripts/mariadb-sandbox` and stops it when the process exits (a
/// watchdog in the script covers a crash). A test that needs a server never skips.
public enum TestServer {
    public struct Endpoint: Sendable {
        public let socket: String
        public let port: UInt32
        public let user: String
        /// The CA that signed the server's TLS certificate (for 127.0.0.1 and localhost).
        public let tlsCertificateAuthority: String?
    }

    /// The server's coordinates; starts a server on first use if none was given.
    public static func endpoint() throws -> Endpoint { try shared.get() }

    /// Options for a unix-socket connection as the server's superuser.
    public static func socketOptions(database: String? = nil) throws -> ConnectionOptions {
        let endpoint = try endpoint()
        var options = ConnectionOptions()
        options.socket = endpoint.socket
        options.user = endpoint.user
        options.transport = .socket
        options.database = database
        return options
    }

    /// Options for a TCP connection to 127.0.0.1 as the server's superuser.
    public static func tcpOptions(database: String? = nil) throws -> ConnectionOptions {
        let endpoint = try endpoint()
        var options = ConnectionOptions()
        options.host = "127.0.0.1"
        options.port = endpoint.port
        options.user = endpoint.user
        options.transport = .tcp
        options.database = database
        return options
    }

    /// A new connection over the socket.
    public static func connect(database: String? = nil) throws -> Connection {
        try Connection(socketOptions(database: database))
    }

    /// Creates an empty database with a unique name for one test and returns the name.
    public static func makeDatabase(_ purpose: String) throws -> String {
        let name = "t_\(purpose)_\(UInt32.random(in: 0..<UInt32.max))"
        try connect().execute("CREATE DATABASE `\(name)`")
        return name
    }

    // MARK: Starting one

    private static let shared: Result<Endpoint, Error> = Result { try fromEnvironment() ?? startOwnServer() }

    private static func fromEnvironment() throws -> Endpoint? {
        let environment = ProcessInfo.processInfo.environment
        guard let socket = environment["SWIFTDUMP_TEST_SOCKET"], let port = environment["SWIFTDUMP_TEST_PORT"] else { return nil }
        guard let portNumber = UInt32(port) else { throw TestServerError("SWIFTDUMP_TEST_PORT is not a number: \(port)") }
        return Endpoint(socket: socket, port: portNumber, user: environment["SWIFTDUMP_TEST_USER"] ?? "root",
                        tlsCertificateAuthority: environment["SWIFTDUMP_TEST_TLS_CA"])
    }

    private static func startOwnServer() throws -> Endpoint {
        let values = try Sandbox.start("mariadb-sandbox", name: "swiftdump-tests")
        guard let socket = values["SWIFTDUMP_TEST_SOCKET"], let port = values["SWIFTDUMP_TEST_PORT"].flatMap({ UInt32($0) }) else {
            throw TestServerError("unexpected output from scripts/mariadb-sandbox: \(values)")
        }
        return Endpoint(socket: socket, port: port, user: values["SWIFTDUMP_TEST_USER"] ?? "root",
                        tlsCertificateAuthority: values["SWIFTDUMP_TEST_TLS_CA"])
    }
}

/// The throwaway servers this test process started itself (`scripts/mariadb-sandbox`,
/// `scripts/s3-sandbox`), each stopped when the process exits; the scripts' watchdogs cover
/// a crash.
enum Sandbox {
    nonisolated(unsafe) private static var started: [(script: String, directory: String)] = []
    private static let lock = NSLock()
    private static let stopAtExit: Void = { atexit { Sandbox.stopAll() } }()

    /// Runs `scripts/SCRIPT start DIR --owner-pid PID` and returns the `NAME=value` lines it
    /// printed, with `DIR` as `SANDBOX_DIR`.
    static func start(_ script: String, name: String) throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))").path
        let result = try ProcessRunner.run(RepositoryPaths.script(script), ["start", directory, "--owner-pid", String(getpid())])
        guard result.status == 0 else {
            throw TestServerError("scripts/\(script) could not start: \(result.standardErrorText)")
        }
        lock.withLock {
            _ = stopAtExit
            started.append((script, directory))
        }
        var values = ["SANDBOX_DIR": directory]
        for line in result.standardOutputText.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    private static func stopAll() {
        for (script, directory) in lock.withLock({ started }) {
            _ = try? ProcessRunner.run(RepositoryPaths.script(script), ["stop", directory])
        }
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where the repository's files and the built products are.
public enum RepositoryPaths {
    /// The repository root, found from this file's place in it.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func script(_ name: String) -> String { root.appendingPathComponent("scripts/\(name)").path }

    public static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/\(name)").path }

    /// The folder holding the built executables: the one holding the running test bundle.
    public static let products: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    public static func product(_ name: String) -> String { products.appendingPathComponent(name).path }
}
