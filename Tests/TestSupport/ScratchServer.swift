import Foundation
import MariaDBClient

/// A throwaway server of a test's own, for restores that must not touch the source (a `-B` dump
/// recreates its databases under their own names), for TLS settings the shared server does not
/// have, and for faults: killing the server, starting it again. Started by
/// scripts/mariadb-sandbox like the main one and stopped by ``stop()`` (or, if the test process
/// dies, by the script's watchdog).
public final class ScratchServer: @unchecked Sendable {
    // @unchecked Sendable: every property is set once in init; the server is the shared state.

    public enum TLS: Sendable {
        /// A certificate for 127.0.0.1 and localhost, signed by ``certificateAuthority``.
        case on
        /// No TLS at all.
        case off
        /// A certificate for these subject alternative names only (`DNS:other.example`).
        case certificate(names: String)
    }

    public let socket: String
    public let port: UInt32
    /// The CA that signed the server's certificate (nil without TLS).
    public let certificateAuthority: String?
    public let directory: String

    public init(tls: TLS = .on) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-scratch-\(UUID().uuidString)").path
        var environment = ProcessInfo.processInfo.environment
        switch tls {
        case .on: break
        case .off: environment["SANDBOX_TLS"] = "off"
        case .certificate(let names): environment["SANDBOX_CERT_NAMES"] = names
        }
        let result = try ProcessRunner.run(RepositoryPaths.script("mariadb-sandbox"), ["start", directory, "--owner-pid", String(getpid())],
                                           environment: environment)
        var values: [String: String] = [:]
        for line in result.standardOutputText.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard result.status == 0, let socket = values["SWIFTDUMP_TEST_SOCKET"], let port = values["SWIFTDUMP_TEST_PORT"].flatMap({ UInt32($0) }) else {
            throw TestServerError("could not start a scratch server: \(result.standardErrorText)")
        }
        self.socket = socket
        self.port = port
        certificateAuthority = values["SWIFTDUMP_TEST_TLS_CA"]
    }

    public func connect(database: String? = nil) throws -> Connection {
        var options = ConnectionOptions()
        options.socket = socket
        options.user = "root"
        options.transport = .socket
        options.database = database
        return try Connection(options)
    }

    /// The arguments that point swiftdump or swiftrestore at this server over its socket.
    public var socketArguments: [String] { ["--no-defaults", "--socket=\(socket)", "--user=root"] }

    /// The same over TCP (127.0.0.1).
    public var tcpArguments: [String] { ["--no-defaults", "--host=127.0.0.1", "--port=\(port)", "--user=root"] }

    /// Feeds SQL to the stock client connected to this server.
    @discardableResult
    public func mysql(database: String? = nil, input: [UInt8]) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(StockTools.mariadb, ["--no-defaults", "--socket=\(socket)", "--user=root"] + (database.map { [$0] } ?? []), input: input)
    }

    /// The server's process id.
    public var processID: pid_t? {
        (try? String(contentsOfFile: directory + "/mysqld.pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Kills the server (SIGKILL): a crash, for fault tests.
    public func kill() {
        if let pid = processID { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// Starts the server again on the same data (after ``kill()``): InnoDB recovers.
    public func restart() throws {
        let result = try ProcessRunner.run(RepositoryPaths.script("mariadb-sandbox"), ["restart", directory])
        guard result.status == 0 else { throw TestServerError("could not restart the scratch server: \(result.standardErrorText)") }
    }

    public func stop() {
        _ = try? ProcessRunner.run(RepositoryPaths.script("mariadb-sandbox"), ["stop", directory])
    }

    deinit { stop() }
}
