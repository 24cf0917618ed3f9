import Foundation
import MariaDBClient

/// A second throwaway server, for restores that must not touch the source (a `-B` dump
/// recreates its databases under their own names). Started by scripts/mariadb-sandbox like the
/// main one and stopped by ``stop()`` (or, if the test process dies, by the script's watchdog).
public final class ScratchServer {
    public let socket: String
    private let directory: String

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-scratch-\(UUID().uuidString)").path
        let result = try ProcessRunner.run(RepositoryPaths.script("mariadb-sandbox"), ["start", directory, "--owner-pid", String(getpid())])
        guard result.status == 0, let line = result.standardOutputText.split(separator: "\n").first(where: { $0.hasPrefix("SWIFTDUMP_TEST_SOCKET=") }) else {
            throw TestServerError("could not start a scratch server: \(result.standardErrorText)")
        }
        socket = String(line.dropFirst("SWIFTDUMP_TEST_SOCKET=".count))
    }

    public func connect() throws -> Connection {
        var options = ConnectionOptions()
        options.socket = socket
        options.user = "root"
        options.transport = .socket
        return try Connection(options)
    }

    /// Feeds SQL to the stock client connected to this server.
    @discardableResult
    public func mysql(database: String? = nil, input: [UInt8]) throws -> ProcessRunner.Outcome {
        try ProcessRunner.run(StockTools.mariadb, ["--no-defaults", "--socket=\(socket)", "--user=root"] + (database.map { [$0] } ?? []), input: input)
    }

    public func stop() {
        _ = try? ProcessRunner.run(RepositoryPaths.script("mariadb-sandbox"), ["stop", directory])
    }

    deinit { stop() }
}
