import CMariaDB

/// An error reported by the server or by libmariadb, with the numbers a DBA looks up.
///
/// `code` is the server error number (1045, 1146, ...) or a client one (2002, 2013, ...);
/// `sqlState` the five-character SQLSTATE. The description never contains the connection's
/// password (it is scrubbed even where the server echoes a statement) nor row data.
public struct MariaDBError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: UInt32
    public let sqlState: String
    public let message: String

    public init(code: UInt32, sqlState: String, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    /// True for errors libmariadb raised itself (2000-2999: cannot connect, lost connection, ...).
    public var isClientError: Bool { (2000..<3000).contains(code) }

    public var description: String { "ERROR \(code) (\(sqlState)): \(message)" }
}

extension MariaDBError {
    /// Client error numbers this project checks for by name.
    public static let accessDenied: UInt32 = UInt32(ER_ACCESS_DENIED_ERROR)
    public static let connectionFailed: UInt32 = UInt32(CR_CONNECTION_ERROR)
    public static let hostConnectionFailed: UInt32 = UInt32(CR_CONN_HOST_ERROR)
    public static let serverLost: UInt32 = UInt32(CR_SERVER_LOST)
    public static let serverGone: UInt32 = UInt32(CR_SERVER_GONE_ERROR)
    public static let noSuchTable: UInt32 = UInt32(ER_NO_SUCH_TABLE)
    public static let parseError: UInt32 = UInt32(ER_PARSE_ERROR)
    public static let lockWaitTimeout: UInt32 = UInt32(ER_LOCK_WAIT_TIMEOUT)
    public static let deadlock: UInt32 = UInt32(ER_LOCK_DEADLOCK)

    /// The situations the engine reacts to, each a family of server or client error numbers:
    /// no raw number is compared outside this binding.
    public enum Condition: Sendable {
        /// Deadlock found; the transaction was rolled back (1213).
        case deadlock
        /// A lock wait reached lock_wait_timeout or innodb_lock_wait_timeout (1205).
        case lockWaitTimeout
        /// The account lacks a privilege the statement needs (1227, 1044, 1045, 1142).
        case accessDenied
        /// The connection went away: lost, gone, killed (2013, 2006, 1927).
        case connectionLost
        /// The object a CREATE makes exists already: a trigger, routine, event, table, view,
        /// foreign key, index or key (1359, 1304, 1537, 1050, 1826, 1061, 1022).
        case alreadyExists
    }

    /// True if the error is one of `condition`'s.
    public func `is`(_ condition: Condition) -> Bool {
        switch condition {
        case .deadlock: code == UInt32(ER_LOCK_DEADLOCK)
        case .lockWaitTimeout: code == UInt32(ER_LOCK_WAIT_TIMEOUT)
        case .accessDenied:
            [ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR]
                .contains { code == UInt32($0) }
        case .connectionLost: code == UInt32(CR_SERVER_LOST) || code == UInt32(CR_SERVER_GONE_ERROR) || code == UInt32(ER_CONNECTION_KILLED)
        case .alreadyExists:
            [ER_TRG_ALREADY_EXISTS, ER_SP_ALREADY_EXISTS, ER_EVENT_ALREADY_EXISTS, ER_TABLE_EXISTS_ERROR, ER_DUP_CONSTRAINT_NAME,
             ER_DUP_KEYNAME, ER_DUP_KEY].contains { code == UInt32($0) }
        }
    }

    /// Replaces every occurrence of `secret` in `message`, so a password echoed back by the
    /// server (a syntax error quoting `IDENTIFIED BY '...'`) never reaches a log.
    static func scrubbing(_ message: String, of secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return message }
        // By bytes: a Character-wise search misses a secret that starts with a combining mark.
        let needle = Array(secret.utf8)
        var bytes = Array(message.utf8)
        while let range = bytes.firstRange(of: needle) { bytes.replaceSubrange(range, with: Array("***".utf8)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
