import Foundation
import MariaDBClient

/// Everything a dump run needs, resolved from option files and the command line.
public struct DumpOptions: Sendable {
    public enum Scope: Sendable, Equatable {
        /// `db [tables...]`: no CREATE DATABASE/USE; all tables when the list is empty.
        case tables(database: SQLName, tables: [SQLName])
        /// `-B db...`: each database with CREATE DATABASE and USE.
        case databases([SQLName])
        /// `-A`.
        case allDatabases
    }

    /// Host, user, password, TLS and protocol settings, shared with swiftrestore.
    var client = ClientSettings()
    public var connection: ConnectionOptions {
        get { client.connection }
        set { client.connection = newValue }
    }
    public var scope: Scope = .allDatabases
    /// The first name argument, as the header's "Database:" line shows it.
    public var headerDatabase: SQLName = ""

    /// `db.table`, as mysqldump compares them (the bytes of both names around a dot).
    public var ignoredTables: Set<SQLName> = []
    public var ignoredDatabases: Set<SQLName> = []
    public var whereCondition: String?
    public var noData = false
    public var noCreateInfo = false
    public var noCreateDatabase = false
    public var routines = false
    public var events = false
    public var triggers = true

    public var singleTransaction = false
    public var lockTables = true
    public var lockAllTables = false
    /// 0: none; 1: CHANGE MASTER as a statement; 2: as a comment.
    public var masterData = 0
    public var gtid = false
    public var flushLogs = false

    public var extendedInsert = true
    public var completeInsert = false
    public var insertIgnore = false
    public var replace = false
    public var addDropDatabase = false
    public var addDropTable = true
    public var addDropTrigger = false
    public var addLocks = true
    public var disableKeys = true
    public var hexBlob = false
    public var createOptions = true
    public var quoteNames = true
    public var tzUTC = true
    public var setCharset = true
    public var compact = false
    public var comments = true
    public var dumpDate = true
    public var orderByPrimary = false
    public var noAutocommit = false
    public var netBufferLength: Int { client.netBufferLength }
    public var characterSet: String { client.characterSet }
    public var resultFile: String?

    /// The order of tables: foreign-key safe (the default), or mariadb-dump's name order.
    public enum Order: String, Sendable {
        case dependencies
        case name
    }
    public var order: Order = .dependencies
    /// Leave DEFINER clauses out of views, routines, triggers and events.
    public var skipDefiner = false
    /// System-versioned tables with their history rows (system_versioning_insert_history).
    public var dumpHistory = false

    /// Reader connections; 1 reads on the main connection with mysqldump's locking.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Tables whose estimated size exceeds this are cut into key ranges.
    public var chunkSize: UInt64 = 64 << 20
    public var noLock = false
    /// Hold back DDL while the dump reads (BACKUP STAGE BLOCK_DDL).
    public var ddlLock = true
    /// Seconds any of the dump's connections waits for a lock before it gives up.
    public var lockWaitTimeout = 30
    /// Who may read the files and directories the dump creates.
    public var permissions = OutputPermissions()
    /// nil: decided by the result file's extension.
    public var compression: CompressionFormat??
    public enum Format: String, Sendable {
        case sql
        case dir
    }
    public var format: Format = .sql
    public var outputDirectory: String?
    /// Where `s3://` outputs go and as whom (``S3Configuration``).
    var objectStore = ObjectStoreSettings()
    /// nil: when standard error is a terminal.
    public var progress: Bool?

    /// The compression in effect: as asked, else from -r FILE's extension.
    public var effectiveCompression: CompressionFormat? {
        if let compression { return compression }
        if resultFile?.hasSuffix(".zst") == true { return .zstd(level: 3) }
        if resultFile?.hasSuffix(".gz") == true { return .gzip(level: 6) }
        return nil
    }

    public var force = false
    public var verbose = false
    public var logError: String?

    public init() {}
}

extension DumpOptions {
    /// Applies parsed options in the order given, with mysqldump's rules: `--opt`, `--skip-opt`
    /// and `--compact` set a group of options where they appear (a later option overrides them),
    /// and the consistency options constrain each other once everything is read.
    public mutating func apply(_ parsed: ParsedArguments) throws(DumpError) {
        for option in parsed.options {
            do {
                try apply(option)
            } catch {
                throw option.located(error)
            }
        }
        try resolveScope(parsed)
        try resolveConsistency()
    }

    private mutating func apply(_ option: ParsedOption) throws(DumpError) {
        do {
            let on = option.isOn
            let text = option.text
            if try client.apply(option) { return }
            if try objectStore.apply(option) { return }
            switch option.name {
            case "ignore-table":
                guard let text, text.contains(".") else { throw .usage("Illegal use of option --ignore-table=<database>.<table>") }
                ignoredTables.insert(SQLName(text))
            case "ignore-database": if let text { ignoredDatabases.insert(SQLName(text)) }
            case "where": whereCondition = text
            case "no-data": noData = on
            case "no-create-info": noCreateInfo = on
            case "no-create-db": noCreateDatabase = on
            case "routines": routines = on
            case "events": events = on
            case "triggers": triggers = on

            case "single-transaction": singleTransaction = on
            case "lock-tables": lockTables = on
            case "lock-all-tables": lockAllTables = on
            case "master-data", "source-data":
                masterData = text == nil ? 1 : try Self.number(text, option.name, maximum: 2)
            case "gtid": gtid = on
            case "flush-logs": flushLogs = on

            case "opt":
                extendedInsert = on; addDropTable = on; addLocks = on; createOptions = on
                disableKeys = on; lockTables = on; setCharset = on
            case "compact":
                compact = on
                if on { comments = false; addDropTable = false; disableKeys = false; addLocks = false; setCharset = false }
            case "extended-insert": extendedInsert = on
            case "complete-insert": completeInsert = on
            case "insert-ignore": insertIgnore = on
            case "replace": replace = on
            case "add-drop-database": addDropDatabase = on
            case "add-drop-table": addDropTable = on
            case "add-drop-trigger": addDropTrigger = on
            case "add-locks": addLocks = on
            case "disable-keys": disableKeys = on
            case "hex-blob": hexBlob = on
            case "create-options": createOptions = on
            case "quote-names": quoteNames = on
            case "tz-utc": tzUTC = on
            case "set-charset": setCharset = on
            case "comments": comments = on
            case "dump-date": dumpDate = on
            case "order-by-primary": orderByPrimary = on
            case "no-autocommit": noAutocommit = on
            case "result-file": resultFile = text
            case "skip-definer": skipDefiner = on
            case "dump-history": dumpHistory = on
            case "dump-order":
                guard let text, let value = Order(rawValue: text.lowercased()) else {
                    throw .usage("--dump-order takes 'dependencies' or 'name', not '\(text ?? "")'")
                }
                order = value
            case "threads": threads = max(1, try Self.number(text, option.name, maximum: 256))
            case "chunk-size": chunkSize = UInt64(try Self.number(text, option.name, maximum: Int.max / 2))
            case "no-lock": noLock = on
            case "ddl-lock": ddlLock = on
            case "lock-wait-timeout": lockWaitTimeout = max(1, try Self.number(text, option.name, maximum: 31_536_000))
            case "umask":
                guard let text, let mask = mode_t(text, radix: 8), mask <= 0o777 else {
                    throw .usage("--umask takes octal permission bits (077, 027, 022), not '\(text ?? "")'")
                }
                permissions = OutputPermissions(umask: mask)
            case "compress-output": compression = .some(try Self.compressionFormat(text ?? ""))
            case "format":
                guard let text, let value = Format(rawValue: text.lowercased()) else {
                    throw .usage("--format takes 'sql' or 'dir', not '\(text ?? "")'")
                }
                format = value
            case "output-dir": outputDirectory = text
            case "progress": progress = on
            case "no-progress": progress = on ? false : nil
            case "force": force = on
            case "log-error": logError = text
            case "verbose": verbose = on
            case "tables", "databases", "all-databases", "quick", "no-tablespaces", "help", "version":
                break  // handled with the positional arguments, or before (option files), or always true
            default:
                throw .usage("option '--\(option.name)' is not supported by swiftdump yet")
            }
        }
    }

    private mutating func resolveScope(_ parsed: ParsedArguments) throws(DumpError) {
        // --tables after --databases wins, as in mysqldump (each turns the other off).
        var databasesMode = false
        var all = false
        for option in parsed.options {
            switch option.name {
            case "databases": databasesMode = option.isOn
            case "tables": if option.isOn { databasesMode = false }
            case "all-databases": all = option.isOn
            default: break
            }
        }
        let names = parsed.positionals.map { SQLName($0) }
        headerDatabase = names.first ?? ""
        if all {
            guard names.isEmpty else { throw .usage("--all-databases takes no database names (got \(parsed.positionals.joined(separator: " ")))") }
            scope = .allDatabases
        } else if databasesMode {
            guard !names.isEmpty else { throw .usage("--databases needs at least one database name") }
            scope = .databases(names)
        } else {
            guard let database = names.first else {
                throw .usage("""
                    Usage: swiftdump [OPTIONS] database [tables]
                    OR     swiftdump [OPTIONS] --databases DB1 [DB2 DB3...]
                    OR     swiftdump [OPTIONS] --all-databases
                    For more options, use swiftdump --help
                    """)
            }
            scope = .tables(database: database, tables: Array(names.dropFirst()))
        }
    }

    private mutating func resolveConsistency() throws(DumpError) {
        if singleTransaction && lockAllTables {
            throw .usage("You can't use --single-transaction and --lock-all-tables at the same time.")
        }
        if insertIgnore && replace {
            throw .usage("You can't use --insert-ignore and --replace at the same time.")
        }
        if format == .dir && outputDirectory == nil { throw .usage("--format=dir needs -o DIR (--output-dir)") }
        if format == .sql && outputDirectory != nil { throw .usage("-o DIR is for --format=dir; a single stream goes to -r FILE or standard output") }
        if format == .dir && resultFile != nil { throw .usage("--format=dir writes to -o DIR, not -r FILE") }
        // With several connections the snapshot gives the position; else, as mysqldump, a lock.
        if masterData > 0 && !singleTransaction && threads <= 1 { lockAllTables = true }
        if singleTransaction || lockAllTables { lockTables = false }
    }

    /// `zstd`, `gzip`, `none`, optionally `:LEVEL`.
    static func compressionFormat(_ text: String) throws(DumpError) -> CompressionFormat? {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let level = parts.count > 1 ? Int32(parts[1]) : nil
        if parts.count > 1 && level == nil { throw .usage("--compress-output: '\(parts[1])' is not a level") }
        switch parts.first ?? "" {
        case "zstd":
            let value = level ?? 3
            guard (1...19).contains(value) else { throw .usage("--compress-output: zstd levels are 1 to 19") }
            return .zstd(level: value)
        case "gzip":
            let value = level ?? 6
            guard (1...9).contains(value) else { throw .usage("--compress-output: gzip levels are 1 to 9") }
            return .gzip(level: value)
        case "none":
            return nil
        default:
            throw .usage("--compress-output takes zstd, gzip or none (with an optional :LEVEL), not '\(text)'")
        }
    }

    /// A number with mysqldump's optional K, M or G suffix.
    static func number(_ text: String?, _ option: String, maximum: Int) throws(DumpError) -> Int {
        guard var digits = text?.trimmingWhitespace(), !digits.isEmpty else {
            throw .usage("option '--\(option)' requires a number")
        }
        var multiplier = 1
        switch digits.last?.uppercased() {
        case "K": multiplier = 1 << 10
        case "M": multiplier = 1 << 20
        case "G": multiplier = 1 << 30
        default: break
        }
        if multiplier > 1 { digits.removeLast() }
        guard let value = Int(digits), value >= 0, value.multipliedReportingOverflow(by: multiplier).overflow == false,
              value * multiplier <= maximum else {
            throw .usage("Error while setting value '\(text ?? "")' to '\(option.replacing("-", with: "_"))'")
        }
        return value * multiplier
    }
}

/// What a directory dump's manifest records of how it was made: the settings in effect after
/// the option files and the command line were read — never the command line itself, which
/// may carry a password in any of the forms my_getopt accepts.
public struct DumpSettings: Codable, Sendable, Equatable {
    public struct Server: Codable, Sendable, Equatable {
        public var host: String?
        public var port: UInt32?
        public var socket: String?
        public var user: String?
        public var tls: Bool
        public var verifiesServerCertificate: Bool
    }

    public var server: Server
    public var scope: String
    public var databases: [SQLName]
    public var tables: [SQLName]
    public var ignoredTables: [SQLName]
    public var ignoredDatabases: [SQLName]
    public var whereCondition: String?
    public var threads: Int
    public var chunkSize: UInt64
    public var compression: String
    public var characterSet: String
    public var order: String
    public var noData: Bool
    public var noCreateInfo: Bool
    public var routines: Bool
    public var events: Bool
    public var triggers: Bool
    public var hexBlob: Bool
    public var tzUTC: Bool
    public var completeInsert: Bool
    public var extendedInsert: Bool
    public var insertIgnore: Bool
    public var replace: Bool
    public var dumpHistory: Bool
    public var skipDefiner: Bool
    public var lockAllTables: Bool
    public var noLock: Bool
    public var masterData: Int
}

extension DumpOptions {
    /// The settings a manifest records (``DumpSettings``).
    public var settings: DumpSettings {
        let connection = self.connection
        let (scopeName, databases, tables): (String, [SQLName], [SQLName]) = switch scope {
        case .tables(let database, let tables): ("tables", [database], tables)
        case .databases(let names): ("databases", names, [])
        case .allDatabases: ("all-databases", [], [])
        }
        return DumpSettings(
            server: .init(host: connection.host, port: connection.port == 0 ? nil : connection.port, socket: connection.socket,
                          user: connection.user, tls: connection.tls.isRequested, verifiesServerCertificate: connection.tls.verifyServerCertificate),
            scope: scopeName, databases: databases, tables: tables,
            ignoredTables: ignoredTables.sorted(), ignoredDatabases: ignoredDatabases.sorted(), whereCondition: whereCondition,
            threads: threads, chunkSize: chunkSize, compression: effectiveCompression?.name ?? "none", characterSet: characterSet,
            order: order.rawValue, noData: noData, noCreateInfo: noCreateInfo, routines: routines, events: events, triggers: triggers,
            hexBlob: hexBlob, tzUTC: tzUTC, completeInsert: completeInsert, extendedInsert: extendedInsert, insertIgnore: insertIgnore,
            replace: replace, dumpHistory: dumpHistory, skipDefiner: skipDefiner, lockAllTables: lockAllTables, noLock: noLock,
            masterData: masterData)
    }
}
