import Foundation
import MariaDBClient

/// Everything a restore needs, resolved from option files and the command line.
public struct RestoreOptions: Sendable {
    var client = ClientSettings()
    public var connection: ConnectionOptions {
        get { client.connection }
        set { client.connection = newValue }
    }
    /// A dump file, a directory dump, "-" for standard input, or an `s3://` object or prefix.
    public var input = ""
    /// Where `s3://` inputs come from and as whom (``S3Configuration``).
    var objectStore = ObjectStoreSettings()

    /// Connections loading at once.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Load a one-database dump into this database instead.
    public var database: SQLName?

    /// What happens to tables that already exist in the target.
    public enum ExistingTables: Sendable, Equatable {
        /// As the dump says (mysqldump's DROP TABLE IF EXISTS, when it has them).
        case asDumped
        /// Drop every table the dump creates, whether or not the dump drops it.
        case drop
        /// Keep existing tables (CREATE TABLE IF NOT EXISTS, no DROP) and add the rows.
        case keep
    }
    public var existingTables = ExistingTables.asDumped
    /// Create secondary indexes after each table's rows, one ALTER TABLE per table (the
    /// default; `--no-defer-indexes` turns it off).
    public var deferIndexes = true
    /// Whether indexes are deferred: not into tables that may exist already (--if-not-exists
    /// keeps them, with their indexes, and adds rows).
    var defersIndexes: Bool { deferIndexes && existingTables != .keep }
    /// Deferral only for tables with at least this many bytes of rows in the dump: below it the
    /// extra ALTER TABLE costs more than indexing as the rows arrive (README: "Index deferral").
    public var deferIndexesMinimumBytes: UInt64 = 16 << 20
    /// Tables with at least this many bytes of rows in the dump load with UNIQUE_CHECKS=0,
    /// InnoDB's bulk insert into an empty table; smaller ones with it on, row by row (README:
    /// "Small tables").
    public var bulkInsertMinimumBytes: UInt64 = 128 << 10
    /// Drop each database the dump contains before loading.
    public var cleanDatabases = false
    /// Answer yes to --clean-databases' question.
    public var assumeYes = false
    /// sql_log_bin=0 in every session.
    public var skipBinlog = false
    /// Commit after about this many bytes of rows.
    public var commitSize = 4 << 20

    public var force = false
    public var resume = false
    public var verify = false
    public var list = false
    /// nil: when standard error is a terminal.
    public var progress: Bool?
    public var verbose = false

    public init() {}
}

extension RestoreOptions {
    public mutating func apply(_ parsed: ParsedArguments) throws(DumpError) {
        for option in parsed.options {
            do {
                try apply(option)
            } catch {
                throw option.located(error)
            }
        }
        guard parsed.positionals.count == 1, let input = parsed.positionals.first else {
            throw .usage(parsed.positionals.isEmpty
                ? "Usage: swiftrestore [OPTIONS] FILE|DIRECTORY|-  (see swiftrestore --help)"
                : "swiftrestore restores one dump at a time; got \(parsed.positionals.joined(separator: " "))")
        }
        self.input = input
        if resume && list { throw .usage("--resume and --list do not go together") }
        if cleanDatabases && existingTables == .keep { throw .usage("--clean-databases and --if-not-exists do not go together") }
    }

    private mutating func apply(_ option: ParsedOption) throws(DumpError) {
        do {
            let on = option.isOn
            let text = option.text
            if try client.apply(option) { return }
            if try objectStore.apply(option) { return }
            switch option.name {
            case "threads": threads = max(1, try DumpOptions.number(text, option.name, maximum: 256))
            case "database": database = text.map { SQLName($0) }
            case "drop-existing": existingTables = on ? .drop : .asDumped
            case "if-not-exists": existingTables = on ? .keep : .asDumped
            case "defer-indexes": deferIndexes = on
            case "no-defer-indexes": deferIndexes = !on
            case "defer-indexes-min-size": deferIndexesMinimumBytes = UInt64(try DumpOptions.number(text, option.name, maximum: 1 << 50))
            case "bulk-insert-min-size": bulkInsertMinimumBytes = UInt64(try DumpOptions.number(text, option.name, maximum: 1 << 50))
            case "clean-databases": cleanDatabases = on
            case "yes": assumeYes = on
            case "skip-binlog": skipBinlog = on
            case "commit-size": commitSize = max(1, try DumpOptions.number(text, option.name, maximum: 1 << 30))
            case "force": force = on
            case "resume": resume = on
            case "verify": verify = on
            case "list": list = on
            case "progress": progress = on
            case "no-progress": progress = on ? false : nil
            case "verbose": verbose = on
            case "help", "version": break
            default: throw .usage("option '--\(option.name)' is not supported by swiftrestore")
            }
        }
    }
}

/// swiftrestore's options, grouped for `--help`.
enum RestoreOptionTable {
    static let loading = "Loading"
    static let safety = "Safety and checks"
    static let output = "Messages"

    static let definitions: [OptionDefinition] = ClientOptionTable.definitions + [
        OptionDefinition("threads", short: "j", argument: .required(valueName: "#"), group: loading, help: "Load with # connections at once: different tables, and the rows of one table, in parallel; each table's DDL before its rows; views, routines, triggers and events after all rows.", default: "the number of cores"),
        OptionDefinition("database", short: "D", argument: .required(valueName: "NAME"), group: loading, help: "Load a dump of one database into NAME (created if missing). Needed for a dump made without --databases, which names no database."),
        OptionDefinition("drop-existing", group: loading, help: "Drop every table the dump creates before creating it, whether or not the dump says DROP TABLE.", default: "FALSE"),
        OptionDefinition("if-not-exists", group: loading, help: "Keep tables that exist (CREATE TABLE IF NOT EXISTS, no DROP TABLE) and add the dump's rows to them.", default: "FALSE"),
        OptionDefinition("defer-indexes", group: loading, help: "Create an InnoDB table's secondary indexes after its rows, in one ALTER TABLE per table, while the other connections go on loading (keeping the ones a foreign key or an AUTO_INCREMENT column needs, and FULLTEXT and SPATIAL ones). Not with --if-not-exists.", default: "TRUE"),
        OptionDefinition("defer-indexes-min-size", argument: .required(valueName: "#"), group: loading, help: "Defer the indexes only of tables with at least # bytes of rows in the dump (K, M, G suffixes; 0: every table): a smaller table loads as fast with its indexes, and one ALTER TABLE more costs each table as much as its CREATE.", default: "16M"),
        OptionDefinition("bulk-insert-min-size", argument: .required(valueName: "#"), group: loading, help: "Load tables with at least # bytes of rows in the dump with UNIQUE_CHECKS=0, which makes InnoDB bulk-load an empty table and write its pages at commit (K, M, G suffixes; 0: every table); a smaller table loads faster with unique checks on, row by row.", default: "128K"),
        OptionDefinition("no-defer-indexes", group: loading, help: "Create every index with its table, before the rows (the same as --skip-defer-indexes).", default: "FALSE"),
        OptionDefinition("clean-databases", group: loading, help: "Drop each database the dump contains before loading it (asks on a terminal; see --yes).", default: "FALSE"),
        OptionDefinition("yes", short: "y", group: loading, help: "Answer yes to --clean-databases' question.", default: "FALSE"),
        OptionDefinition("skip-binlog", group: loading, help: "Do not write the restore to the binary log (sql_log_bin=0): replicas will not receive it.", default: "FALSE"),
        OptionDefinition("commit-size", argument: .required(valueName: "#"), group: loading, help: "Commit after about # bytes of rows (K, M, G suffixes).", default: "4M"),

        OptionDefinition("list", short: "l", group: safety, help: "Print what the dump contains (databases, tables with rows and sizes, views, routines, triggers, events) without connecting.", default: "FALSE"),
        OptionDefinition("verify", group: safety, help: "After loading, recompute each table's row checksum from the server and compare it with the dump's.", default: "FALSE"),
        OptionDefinition("resume", group: safety, help: "Continue an interrupted directory restore: files whose rows were committed (see the journal in swiftrestore.journal) are skipped.", default: "FALSE"),
        OptionDefinition("force", short: "f", group: safety, help: "Apply a dump that lacks its completion trailer or manifest, and continue past failing statements; every problem is listed and the exit code stays non-zero.", default: "FALSE"),

        OptionDefinition("progress", group: output, help: "Show a progress line on standard error (default: when it is a terminal)."),
        OptionDefinition("no-progress", group: output, help: "Never show the progress line."),
        OptionDefinition("verbose", short: "v", group: output, help: "Print what is being loaded.", default: "FALSE"),
    ] + ObjectStoreSettings.definitions + CommonOptions.definitions
}
