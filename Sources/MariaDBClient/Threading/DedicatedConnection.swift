/// A ``Connection`` together with the ``ConnectionThread`` it lives on: the form async code
/// uses. The connection is created, used and closed on that thread only.
public final class DedicatedConnection: Sendable {
    private let thread: ConnectionThread
    private let holder: Holder

    /// Opens a connection on a new thread of its own.
    public static func open(_ options: ConnectionOptions, name: String = "swiftdump-connection") async throws -> DedicatedConnection {
        let thread = ConnectionThread(name: name)
        let holder = Holder()
        try await thread.run { holder.connection = try Connection(options) }
        return DedicatedConnection(thread: thread, holder: holder)
    }

    private init(thread: ConnectionThread, holder: Holder) {
        self.thread = thread
        self.holder = holder
    }

    /// Runs `body` with the connection, on the connection's thread.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (Connection) throws -> Result) async throws -> Result {
        let holder = self.holder
        return try await thread.run {
            guard let connection = holder.connection else { throw Self.closedError }
            return try body(connection)
        }
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
