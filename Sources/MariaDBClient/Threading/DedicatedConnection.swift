/// A ``Connection`` together with the ``ConnectionThread`` it lives on: the form async code
/// uses. The connection is created, used and closed on that thread only.
public final class DedicatedConnection: Sendable {
    private let thread: ConnectionThread
    private let holder: Holder
    /// The server's id of the connection (`CONNECTION_ID()`), the target of `KILL`.
    public let connectionID: UInt

    /// Opens a connection on a new thread of its own.
    public static func open(_ options: ConnectionOptions, name: String = "swiftdump-connection") async throws -> DedicatedConnection {
        let thread = ConnectionThread(name: name)
        let holder = Holder()
        let id = try await thread.run {
            let connection = try Connection(options)
            holder.connection = connection
            return connection.connectionID
        }
        return DedicatedConnection(thread: thread, holder: holder, connectionID: id)
    }

    /// Opens a connection on a new thread of its own, blocking the caller until it is open.
    public static func openAndWait(_ options: ConnectionOptions, name: String = "swiftdump-connection") throws -> DedicatedConnection {
        let thread = ConnectionThread(name: name)
        let holder = Holder()
        let id = try thread.runAndWait {
            let connection = try Connection(options)
            holder.connection = connection
            return connection.connectionID
        }
        return DedicatedConnection(thread: thread, holder: holder, connectionID: id)
    }

    private init(thread: ConnectionThread, holder: Holder, connectionID: UInt) {
        self.thread = thread
        self.holder = holder
        self.connectionID = connectionID
    }

    /// Runs `body` with the connection, on the connection's thread.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (Connection) throws -> Result) async throws -> Result {
        let holder = self.holder
        return try await thread.run {
            guard let connection = holder.connection else { throw Self.closedError }
            return try body(connection)
        }
    }

    /// Runs `body` with the connection on the connection's thread; the caller blocks until it
    /// returns.
    public func runAndWait<Result: Sendable>(_ body: @escaping @Sendable (Connection) throws -> Result) throws -> Result {
        let holder = self.holder
        return try thread.runAndWait {
            guard let connection = holder.connection else { throw Self.closedError }
            return try body(connection)
        }
    }

    /// Queues `body` to run with the connection on its thread, without waiting (a worker's
    /// long-running loop, say). `body` gets nil once the connection is closed.
    public func submit(_ body: @escaping @Sendable (Connection?) -> Void) {
        let holder = self.holder
        thread.submit { body(holder.connection) }
    }

    /// Closes the connection on its thread, blocking until it is closed.
    public func closeAndWait() {
        let holder = self.holder
        _ = try? thread.runAndWait { holder.connection = nil }
    }

    /// Closes the connection (on its thread). Later calls to ``run(_:)`` fail.
    public func close() async {
        let holder = self.holder
        _ = try? await thread.run { holder.connection = nil }
    }

    private static let closedError = MariaDBError(code: MariaDBError.serverGone, sqlState: "HY000", message: "the connection was closed")

    /// `@unchecked Sendable`: `connection` is only read or written by jobs on `thread`, which
    /// run one after another, so it is never touched by two threads at once.
    private final class Holder: @unchecked Sendable {
        var connection: Connection?
    }
}
