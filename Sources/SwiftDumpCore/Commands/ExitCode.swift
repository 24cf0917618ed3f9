/// mysqldump's exit codes, which scripts test for; swiftdump and swiftrestore use the same.
/// Command-line mistakes exit with my_getopt's codes instead (see ``CommandLineError``).
public enum ExitCode: Int32, Sendable {
    case success = 0
    /// A usage mistake found after parsing (conflicting options, a missing database name).
    case usage = 1
    /// The server refused or failed a statement, or could not be reached.
    case serverError = 2
    case consistencyCheck = 3
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
}
