import CMariaDB

/// The process-wide libmariadb state.
///
/// libmariadb must be initialised once, before any thread calls into it: `mysql_init` would do it
/// lazily, but two threads racing through that lazy path is undefined. A Swift `static let` is
/// initialised exactly once, under a lock, so every entry point touches it first.
public enum MariaDBLibrary {
    private static let initialization: Int32 = swiftdump_mysql_library_init()

    /// Initialises libmariadb if no one has yet. Cheap after the first call.
    public static func ensureInitialized() {
        precondition(initialization == 0, "mysql_library_init failed")
    }

    /// The version of the libmariadb (Connector/C) this binary runs with, e.g. "3.3.20".
    public static var clientVersion: String {
        ensureInitialized()
        return String(cString: mysql_get_client_info())
    }
}

extension MariaDBLibrary {
    /// Prepares libmariadb's per-thread state on a thread that will run connections.
    static func attachCurrentThread() { _ = mysql_thread_init() }

    /// Frees that state before the thread ends.
    static func detachCurrentThread() { mysql_thread_end() }
}
