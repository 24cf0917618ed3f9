import Foundation
import MariaDBClient
#if canImport(Glibc)
import Glibc
#endif

/// `swiftrestore`: loads swiftdump output and mysqldump files, in parallel.
public enum RestoreCommand: Command {
    public static let program = "swiftrestore"

    public static let options: [OptionDefinition] = RestoreOptionTable.definitions

    public static let optionFileGroups = ["client", "client-server", "client-mariadb", "swiftrestore"]

    /// Exit codes say what went wrong: 1 usage, 2 server, 7 input, 8 verification.
    public static let usesGetoptExitCodes = false

    public static let help = HelpText(
        usage: ["\(program) [OPTIONS] FILE|DIRECTORY|-"],
        summary: "Loads a dump written by swiftdump or mysqldump (plain, gzip or zstd, a file or standard input, or a swiftdump --format=dir directory) into a server, with several connections, foreign-key checks off.",
        definitions: options,
        footer: [
            "The whole input is checked before anything is applied: a file without its completion line (-- Dump completed),",
            "a damaged gzip/zstd file, or a directory without its manifest or whose files differ from it is refused.",
            "Exit codes: 0 restored, 1 usage, 2 server error (file, line and statement are shown), 7 input refused",
            "(nothing applied), 8 --verify found differences.",
            "Option files: /etc/my.cnf /etc/mysql/my.cnf ~/.my.cnf, groups [client] [client-server] [client-mariadb]",
            "[swiftrestore]. MYSQL_PWD is used when no password is given.",
        ]
    )

    public static func execute(_ arguments: ParsedArguments, errors: inout some TextOutputStream) -> ExitCode {
        var options = RestoreOptions()
        do {
            try options.apply(arguments)
        } catch {
            errors.write("\(program): \(error)\n")
            return .usage
        }
        if !options.list {
            do {
                try options.client.finish()
            } catch {
                errors.write("\(program): \(error)\n")
                return error.exitCode
            }
        }
        let input = options.input
        Interruption.describe(program: program) { "while restoring \(input); the target is partly loaded (a directory restore continues with --resume)" }
        let restorer = Restorer(options: options, report: { message in
            var standardError = StandardStream.error
            standardError.write(message + "\n")
        }, output: { text in
            var standardOutput = StandardStream.output
            standardOutput.write(text)
        })
        do {
            let summary = try restorer.run()
            guard !options.list else { return .success }
            let rate = summary.seconds > 0 ? Double(summary.bytes) / 1e6 / summary.seconds : 0
            errors.write(String(format: "\(program): restored %d table(s), %llu rows, %.1f MB of SQL in %.1f s (%.0f MB/s) with %d connection(s)\n",
                                summary.tables, summary.rows, Double(summary.bytes) / 1e6, summary.seconds, rate, summary.connections))
            if !summary.skippedFailures.isEmpty {
                errors.write("\(program): --force: \(summary.skippedFailures.count) statement(s) failed and were skipped:\n")
                for failure in summary.skippedFailures { errors.write("  \(failure)\n") }
            }
            // Problems with the input that --force accepted were reported before loading; failed
            // statements make the restore incomplete.
            return summary.skippedFailures.isEmpty ? .success : .serverError
        } catch {
            Interruption.waitIfUnderway()
            errors.write("\(program): \(error)\n")
            return ExitCode.of(error)
        }
    }
}
