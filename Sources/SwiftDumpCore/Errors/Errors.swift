import MariaDBClient
#if canImport(Glibc)
import Glibc
#endif

/// Every error the engine reports, each with its exit code (``CommandError``): the one
/// vocabulary both commands use.

/// A failure of the dump itself (as opposed to the server's or the output's).
public enum DumpError: CommandError, Sendable {
    /// A usage mistake found once the options were read (exit 1).
    case usage(String)
    /// A table named on the command line does not exist (exit 6).
    case illegalTable(database: SQLName, table: SQLName, reason: String? = nil)
    /// The server returned nothing for an object it listed (exit 2).
    case missingObject(String)
    /// A wait for a lock ended at --lock-wait-timeout; the message names what holds it (exit 2).
    case lockTimeout(String)
    /// The account may not read something the dump needs (exit 2).
    case missingPrivilege(String)
    /// --master-data needs a binary log the server does not write (exit 2).
    case noBinaryLog
    /// The reading connections' snapshots could not be proven one (exit 3).
    case inconsistentSnapshot(String)

    public var description: String {
        switch self {
        case .usage(let message): message
        case .illegalTable(let database, let table, let reason): reason ?? "Couldn't find table: \"\(table)\" in database \"\(database)\""
        case .missingObject(let what): "the server returned nothing for \(what)"
        case .lockTimeout(let message): message
        case .missingPrivilege(let message): message
        case .noBinaryLog: "--master-data needs the binary log to be enabled on the server"
        case .inconsistentSnapshot(let message): message
        }
    }

    public var exitCode: ExitCode {
        switch self {
        case .usage: .usage
        case .illegalTable: .illegalTable
        case .missingObject, .lockTimeout, .missingPrivilege, .noBinaryLog: .serverError
        case .inconsistentSnapshot: .consistencyCheck
        }
    }
}

extension MariaDBError: CommandError {
    public var exitCode: ExitCode { .serverError }
}

/// A problem with the input itself (not the server): missing, unreadable, damaged, truncated,
/// not matching its manifest. Nothing has been applied when one of these is thrown before the
/// load starts (exit 7).
public struct InputError: CommandError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var exitCode: ExitCode { .inputRefused }
}

/// A failed write, with the errno and the file it concerns (exit 5, as mysqldump's).
public struct OutputError: CommandError, Sendable {
    public let path: String
    public let errorNumber: Int32
    public let action: String
    public var detail: String?

    public init(path: String, errorNumber: Int32, action: String, detail: String? = nil) {
        self.path = path
        self.errorNumber = errorNumber
        self.action = action
        self.detail = detail
    }

    public var description: String {
        if let detail { return "Could not \(action) \(path): \(detail)" }
        return "Got errno \(errorNumber) on \(action) of \(path): \(String(cString: strerror(errorNumber)))"
    }

    public var exitCode: ExitCode { .writeError }
}

/// A reader's connection failed while reading a table's rows (the server went away, the
/// connection or query was killed): exit 2, naming the table.
struct ReadError: CommandError {
    let table: TableID
    let error: MariaDBError

    var description: String { "reading \(table): Error \(error.code): \(error.message)" }
    var exitCode: ExitCode { .serverError }
}

/// A statement of a dump the server refused: where it is in the dump and what the server
/// said (exit 2).
struct StatementFailure: CommandError, Sendable {
    let source: String
    /// Where the statement starts in its source's SQL; ``line`` is found from it on demand.
    let offset: UInt64
    var line: Int?
    /// The statement's first 200 characters.
    let preview: String
    let error: MariaDBError
    /// What the statement is, when the restore wrote it (a table's deferred indexes).
    var about: String?

    var description: String {
        "\(source)\(line.map { ", line \($0)" } ?? ", byte \(offset)")\(about.map { " (\($0))" } ?? ""): ERROR \(error.code) (\(error.sqlState)): \(error.message)\n    statement: \(preview)"
    }

    var exitCode: ExitCode { .serverError }
}

/// `--verify` found tables that differ from the dump (exit 8).
struct VerificationError: CommandError {
    let mismatches: [RowVerifier.Mismatch]

    var description: String {
        "verification failed: \(mismatches.count) table(s) differ from the dump:\n  " + mismatches.map(\.description).joined(separator: "\n  ")
    }

    var exitCode: ExitCode { .verificationFailed }
}

/// A stream restore that stopped partway: what stopped it, and where each table stands
/// (the cause's exit code).
struct IncompleteRestore: CommandError {
    let cause: any Error
    /// Every row of these committed.
    let complete: [TableID]
    /// Partly loaded, or with rows that were not committed.
    let incomplete: [TableID]
    let notStarted: [TableID]

    var description: String {
        func list(_ tables: [TableID]) -> String {
            tables.isEmpty ? "none" : tables.prefix(50).map(\.description).joined(separator: ", ") + (tables.count > 50 ? ", ... (\(tables.count) in all)" : "")
        }
        return "\(cause)\n  the restore stopped: complete (every row committed): \(list(complete))\n  incomplete: \(list(incomplete))\n  not started: \(list(notStarted))"
    }

    var exitCode: ExitCode { ExitCode.of(cause) }
}

/// A malformed option file (exit 1).
public struct OptionFileError: CommandError {
    public let description: String
    init(_ description: String) { self.description = description }
    public var exitCode: ExitCode { .usage }
}
