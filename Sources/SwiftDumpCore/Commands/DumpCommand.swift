import Foundation
import MariaDBClient
#if canImport(Glibc)
import Glibc
#endif

/// `swiftdump`: mysqldump's command line over the swiftdump engine.
public enum DumpCommand: Command {
    public static let program = "swiftdump"

    public static let options: [OptionDefinition] = DumpOptionTable.definitions

    public static let optionFileGroups = ["client", "client-server", "client-mariadb", "mysqldump", "mariadb-dump", "swiftdump"]

    public static let help = HelpText(
        usage: [
            "\(program) [OPTIONS] database [tables]",
            "\(program) [OPTIONS] --databases DB1 [DB2 DB3...]",
            "\(program) [OPTIONS] --all-databases",
        ],
        summary: "Dumps MariaDB and MySQL databases as SQL that the mysql client loads.",
        definitions: DumpOptionTable.definitions.filter { !DumpOptionTable.unsupportedNames.contains($0.name) },
        footer: [
            "Option files: /etc/my.cnf /etc/mysql/my.cnf ~/.my.cnf, groups [client] [client-server] [client-mariadb]",
            "[mysqldump] [mariadb-dump] [swiftdump]. MYSQL_PWD is used when no password is given.",
            "",
            "Recognised from mysqldump but not supported yet (refused): "
                + DumpOptionTable.unsupportedNames.sorted().map { "--\($0)" }.joined(separator: " "),
        ]
    )

    public static func execute(_ arguments: ParsedArguments, errors: inout some TextOutputStream) -> ExitCode {
        var options = DumpOptions()
        do {
            if let refused = arguments.options.first(where: { DumpOptionTable.unsupportedNames.contains($0.name) }) {
                throw DumpError.usage("option '--\(refused.name)' is not supported by swiftdump yet")
            }
            try options.apply(arguments)
        } catch {
            errors.write("\(program): \(error)\n")
            return .usage
        }
        do {
            try options.client.finish()
        } catch {
            errors.write("\(program): \(error)\n")
            return error.exitCode
        }
        return run(options, errors: &errors)
    }

    /// Connects, dumps and commits the output; every failure maps to mysqldump's exit code and
    /// leaves no complete-looking result file.
    static func run(_ options: DumpOptions, errors: inout some TextOutputStream) -> ExitCode {
        let log = ErrorLog(path: options.logError)
        if options.verbose { log.write("-- Connecting to \(options.connection.host ?? "localhost")...", to: &errors) }
        let connection: Connection
        do {
            connection = try Connection(options.connection)
        } catch let error as MariaDBError {
            log.write("\(program): Got error: \(error.code): \"\(error.message)\" when trying to connect", to: &errors)
            return .serverError
        } catch {
            log.write("\(program): \(error) when trying to connect", to: &errors)
            return .serverError
        }
        if options.verbose {
            log.write("-- Connected: \(connection.hostInfo)\(connection.tlsCipher.map { ", over TLS (\($0))" } ?? ", not encrypted")", to: &errors)
        }
        let started = Date()
        let progress = DumpProgress()
        let layout: any DumpLayout
        do {
            let store = try objectStore(for: options, log: log)
            switch options.format {
            case .sql:
                let target: any OutputTarget
                if let store, let path = options.resultFile {
                    target = try S3ObjectTarget(client: store, address: S3Address(parsing: path), stillPartial: false, tagChecksum: true, abortsStaleUploads: true)
                } else {
                    target = try outputTarget(path: options.resultFile, permissions: options.permissions)
                }
                let output = try OutputStream(target: target, compression: options.effectiveCompression, compressionThreads: options.threads)
                layout = StreamLayout(output: output, readers: options.threads, progress: progress)
            case .dir:
                let destination: any DumpDestination
                if let store, let path = options.outputDirectory {
                    destination = try S3DirectoryDestination(client: store, prefix: S3Address(parsing: path))
                } else {
                    destination = try LocalDirectoryDestination(root: options.outputDirectory ?? "", permissions: options.permissions)
                }
                layout = DirectoryLayout(destination: destination, compression: options.effectiveCompression,
                                         sessionHeader: DumpText(options: options).fileSessionHeader(), progress: progress)
            }
        } catch {
            log.write("\(program): \(error)", to: &errors)
            return ExitCode.of(error)
        }
        // Progress (-v) and --force's skipped errors go out as they happen.
        let dumper = Dumper(options: options, connection: connection, layout: layout, progress: progress) { message in
            var standardError = StandardStream.error
            log.write(message, to: &standardError)
        }
        let progressLine = ProgressLine.start(enabled: options.progress ?? System.isTerminal(2)) { ProgressLine.dump(progress, seconds: $0) }
        Interruption.describe(program: program) { progress.activity }
        do {
            let skipped = try dumper.run()
            switch layout {
            case let stream as StreamLayout:
                try stream.finish()
            case let directory as DirectoryLayout:
                let serverInfo = connection.serverInfo
                try directory.finish { manifest in
                    manifest.serverVersion = serverInfo
                    manifest.startedAt = ISO8601DateFormatter().string(from: started)
                    manifest.finishedAt = ISO8601DateFormatter().string(from: Date())
                    manifest.settings = options.settings
                    manifest.snapshot = dumper.proof
                    manifest.notCoveredBySnapshot = dumper.notCovered
                }
            default:
                break
            }
            progressLine?.stop()
            if !dumper.notCovered.isEmpty && !options.verbose {
                let outside = dumper.notCovered.filter { !TablePolicy.isSystemDatabase($0.database) }
                if !outside.isEmpty {
                    log.write("\(program): Warning: not covered by the snapshot (non-transactional, read after the lock was released): \(outside.prefix(10).map(\.description).joined(separator: ", "))\(outside.count > 10 ? ", ..." : ""); use --lock-all-tables to hold the lock for the whole dump", to: &errors)
                }
            }
            if options.verbose { log.write("-- Disconnecting from \(options.connection.host ?? "localhost")...", to: &errors) }
            return skipped > 0 ? .serverError : .success
        } catch {
            Interruption.waitIfUnderway()
            progressLine?.stop()
            let activity = progress.activity
            (layout as? StreamLayout)?.abandon(error)
            if let directory = layout as? DirectoryLayout {
                directory.abandon()
                log.write("\(program): the directory dump in \(options.outputDirectory ?? "") failed; the files it had written were removed", to: &errors)
            }
            if activity.hasPrefix("while reading") && !(error is ReadError) {
                log.write("\(program): the dump stopped \(activity)", to: &errors)
            }
            // mysqldump's wording for the server's errors.
            let message = (error as? MariaDBError).map { "Error \($0.code): \($0.message)" } ?? "\(error)"
            log.write("\(program): \(message)", to: &errors)
            return ExitCode.of(error)
        }
    }
}

extension DumpCommand {
    /// The object store, when the dump goes to an `s3://` address (nil: local disk or stdout).
    static func objectStore(for options: DumpOptions, log: ErrorLog) throws -> S3Client? {
        let target = options.format == .dir ? options.outputDirectory : options.resultFile
        guard let target, S3Address.isAddress(target) else { return nil }
        let verbose = options.verbose
        let client = S3Client(try S3Configuration.resolve(options.objectStore, threads: options.threads)) { message in
            guard verbose else { return }
            var errors = StandardStream.error
            log.write(message, to: &errors)
        }
        if verbose {
            var errors = StandardStream.error
            log.write("-- Writing to \(target) through \(client.configuration.summary)", to: &errors)
        }
        return client
    }
}

/// Standard error, and --log-error's file when given (opened once, appended to, created
/// private like every file the dump writes).
final class ErrorLog: Sendable {
    private let file: Int32?

    init(path: String?) {
        file = path.flatMap { try? System.open($0, O_WRONLY | O_APPEND | O_CREAT, mode: 0o600) }
    }

    deinit { if let file { _ = try? System.close(file) } }

    func write(_ message: String, to errors: inout some TextOutputStream) {
        errors.write(message + "\n")
        guard let file else { return }
        _ = try? System.write(file, all: Array((message + "\n").utf8)[...])
    }
}
