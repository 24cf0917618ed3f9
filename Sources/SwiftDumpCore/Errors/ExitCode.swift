/// The exit codes, mysqldump's where it has one (scripts test for them), ours where it has
/// none; command-line mistakes exit with my_getopt's codes instead (``CommandLineError``).
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// A usage mistake found after parsing (conflicting options, a missing database name).
    case usage = 1
    /// The server refused or failed a statement, could not be reached, or a lock wait reached
    /// --lock-wait-timeout.
    case serverError = 2
    /// The reading connections' snapshots could not be proven consistent (mysqldump's
    /// EX_CONSCHECK).
    case consistencyCheck = 3
    /// Not used: memory is bounded by design (mysqldump's EX_EOM).
    case outOfMemory = 4
    /// The output could not be written (a full disk, a closed pipe).
    case writeError = 5
    /// A table named on the command line does not exist.
    case illegalTable = 6
    /// swiftrestore: the input was refused before anything was applied (truncated, damaged,
    /// not matching its manifest).
    case inputRefused = 7
    /// swiftrestore --verify: the restored data differs from the dump.
    case verificationFailed = 8

    /// The code `error` ends the process with: its own, or 2 (the server's) for an error
    /// that does not say.
    public static func of(_ error: any Error) -> ExitCode {
        (error as? CommandError)?.exitCode ?? .serverError
    }
}

/// An error that knows the exit code it ends the process with. Its description is the
/// message: never a password, never row data.
public protocol CommandError: Error, CustomStringConvertible {
    var exitCode: ExitCode { get }
}
