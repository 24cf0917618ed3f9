import Foundation
import MariaDBClient

/// What a restore did, for the summary line.
struct RestoreSummary: Sendable {
    var tables = 0
    var rows: UInt64 = 0
    var bytes: UInt64 = 0
    var seconds = 0.0
    var connections = 0
    /// What was missing or wrong and accepted under --force.
    var acceptedProblems: [String] = []
    /// Statements that failed and were skipped under --force.
    var skippedFailures: [StatementFailure] = []
}

/// A stream restore that stopped partway: what stopped it, and where each table stands.
struct IncompleteRestore: Error, CustomStringConvertible {
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
}

/// `--verify` found tables that differ from the dump.
struct VerificationError: Error, CustomStringConvertible {
    let mismatches: [RowVerifier.Mismatch]

    var description: String {
        "verification failed: \(mismatches.count) table(s) differ from the dump:\n  " + mismatches.map(\.description).joined(separator: "\n  ")
    }
}

/// Runs one restore: checks the input completely before applying anything, prepares the
/// target (--database, --clean-databases, the drops of the tables the dump re-creates), loads
/// with N connections (``RestoreScheduler``), then verifies (--verify).
final class Restorer {
    private let options: RestoreOptions
    /// Messages for standard error.
    private let report: (String) -> Void
    /// --list's output.
    private let output: (String) -> Void

    init(options: RestoreOptions, report: @escaping (String) -> Void, output: @escaping (String) -> Void) {
        self.options = options
        self.report = report
        self.output = output
    }

    func run() throws -> RestoreSummary {
        let started = Date()
        var isDirectory: ObjCBool = false
        let directory = options.input != "-" && FileManager.default.fileExists(atPath: options.input, isDirectory: &isDirectory) && isDirectory.boolValue
        var summary = RestoreSummary()
        let input: Input
        if directory {
            let dump = try DirectoryDump(root: options.input, force: options.force)
            if options.list {
                output(DumpListing.directory(dump))
                return summary
            }
            summary.acceptedProblems += dump.acceptedProblems
            input = .directory(dump)
        } else {
            let source = try DumpSource(path: options.input)
            let scan = try DumpScan(source, countRows: options.list)
            if options.list {
                output(DumpListing.stream(scan, source: source))
                return summary
            }
            if let problem = scan.incompleteness {
                guard options.force else { throw InputError("\(source.name): \(problem). Nothing was applied; --force applies it anyway") }
                summary.acceptedProblems.append("\(source.name): \(problem)")
            }
            input = .stream(source, scan)
        }
        for problem in summary.acceptedProblems { report("swiftrestore: --force: \(problem)") }

        let map = try databaseMap(input)
        let control = try Connection(options.connection)
        verbose("-- Connected: \(control.hostInfo)\(control.tlsCipher.map { ", over TLS (\($0))" } ?? ", not encrypted")")
        try control.execute("SET SESSION FOREIGN_KEY_CHECKS = 0")
        if options.skipBinlog { try control.execute("SET SESSION sql_log_bin = 0") }
        if !options.resume { try prepareTarget(control, input: input, map: map) }

        var journal: RestoreJournal?
        var done: Set<String> = []
        if case .directory(let dump) = input, dump.manifest != nil {
            let entry = RestoreJournal(dumpIdentity: dump.identity, target: options.database)
            done = try entry.prepare(on: control, resume: options.resume)
            journal = entry
            if options.resume { verbose("-- Resuming: \(done.count) part(s) already restored") }
        }

        let setup = try sessionSetup(input)
        let workers = try RestoreWorkers(count: options.threads, options: options.connection, setup: setup)
        defer { workers.close() }
        summary.connections = workers.count
        let expectations = options.verify ? RowExpectations() : nil
        let rules = TableStatementRules(existingTables: options.existingTables, deferIndexes: options.deferIndexes,
                                        expectations: input.isDirectory ? nil : expectations)
        let scheduler = RestoreScheduler(workers: workers.count, largestFirst: input.isDirectory)
        let stats = RestoreStats()
        let runner = ItemRunner(options: options, stats: stats, scheduler: scheduler, map: map, rules: rules, journal: journal, done: done)

        switch input {
        case .stream(_, let scan):
            stats.setTotal(bytes: scan.sqlBytes)
            summary.tables = scan.tables.filter { $0.created && !$0.isSequence }.count
        case .directory(let dump):
            stats.setTotal(bytes: dump.files.reduce(0) { $0 + $1.sqlBytes })
            summary.tables = dump.files.filter { $0.kind == .schema }.count
            // Everything is queued before the workers start, so the biggest tables go first.
            try queueDirectory(dump, scheduler: scheduler, map: map, done: done)
            if let expectations { try DumpListing.expectations(of: dump, map: map, into: expectations) }
            scheduler.finishFeeding()
        }
        workers.start(scheduler) { item, session in try runner.perform(item, on: session) }
        let progressLine = ProgressLine.start(enabled: options.progress ?? (isatty(2) != 0)) { seconds in
            let now = stats.snapshot
            let rate = Double(now.bytes) / max(seconds, 0.001)
            return "swiftrestore: \(now.bytes / 1_000_000) of \(now.total / 1_000_000) MB, \(now.rows) rows, \(Int(rate / 1_000_000)) MB/s"
                + ProgressLine.eta(done: now.bytes, total: now.total, rate: rate)
        }
        defer { progressLine?.stop() }

        if case .stream(let source, let scan) = input {
            do {
                let feeder = StreamFeeder(scheduler: scheduler, map: map, rules: rules, source: source.name)
                try feeder.feed(StatementSplitter(reader: try source.makeReader()), bodyOffset: scan.bodyOffset)
            } catch {
                // A worker's failure stops the feeder; that failure is the one to report.
                scheduler.fail(error)
            }
            scheduler.finishFeeding()
        }
        do {
            do {
                try workers.wait()
            } catch var failure as StatementFailure {
                failure.line = try? LineLocator.line(of: failure, input: input)
                throw failure
            }
        } catch {
            // A stream cannot resume: say exactly which tables are in (every row committed).
            guard case .stream(_, let scan) = input else { throw error }
            let (complete, incomplete) = scheduler.tableStates()
            let touched = Set(complete + incomplete)
            let notStarted = scan.tables.filter { $0.created && !$0.isSequence }.compactMap { table in
                TableReference(database: table.database.map { map.map($0) }, table: table.name).resolved(in: map.target)
            }.filter { !touched.contains($0) }
            throw IncompleteRestore(cause: error, complete: complete, incomplete: incomplete, notStarted: notStarted)
        }

        progressLine?.stop()
        if let expectations {
            verbose("-- Verifying \(expectations.all.count) table(s)")
            let mismatches = try RowVerifier.verify(expectations.all, on: workers)
            if !mismatches.isEmpty { throw VerificationError(mismatches: mismatches) }
        }
        if let journal { try journal.clear(on: control) }
        let now = stats.snapshot
        summary.rows = now.rows
        summary.bytes = now.bytes
        summary.seconds = Date().timeIntervalSince(started)
        summary.skippedFailures = stats.failures.enumerated().map { index, failure in
            var located = failure
            if index < 100 { located.line = try? LineLocator.line(of: failure, input: input) }
            return located
        }
        return summary
    }

    enum Input {
        case stream(DumpSource, DumpScan)
        case directory(DirectoryDump)

        var isDirectory: Bool {
            if case .directory = self { return true }
            return false
        }
    }

    private func verbose(_ message: @autoclosure () -> String) {
        if options.verbose { report(message()) }
    }

    // MARK: Before loading

    /// --database: the dump's one database (or, if it names none, the default) becomes NAME.
    private func databaseMap(_ input: Input) throws -> DatabaseMap {
        let databases: [SQLName]
        var namesNone = false
        switch input {
        case .stream(_, let scan):
            databases = scan.databases
            namesNone = scan.tableWithoutDatabase
        case .directory(let dump):
            databases = dump.databases
        }
        guard let target = options.database else {
            if namesNone {
                throw DumpError.usage("the dump names no database (it was made without --databases): give --database NAME")
            }
            return DatabaseMap(source: nil, target: nil)
        }
        if databases.count > 1 {
            throw DumpError.usage("--database loads a dump of one database; this one holds \(databases.count): \(databases.map(\.quoted).joined(separator: ", "))")
        }
        return DatabaseMap(source: databases.first, target: target)
    }

    /// Creates --database's target, drops what --clean-databases asks for, and drops the
    /// old versions of the tables the dump re-creates before any of them is created: with the
    /// old parent still there, creating a child whose foreign key no longer matches it fails
    /// (errno 150) even with FOREIGN_KEY_CHECKS=0, and a mysqldump file creates tables in name
    /// order, children first.
    private func prepareTarget(_ control: Connection, input: Input, map: DatabaseMap) throws {
        var databases: [SQLName]
        var tables: [TableID] = []
        switch input {
        case .stream(_, let scan):
            databases = scan.databases.map { map.map($0) }
            for table in scan.tables where table.created && (table.dropped || options.existingTables == .drop) {
                guard let database = table.database.map({ map.map($0) }) ?? map.target else { continue }
                tables.append(TableID(database: database, table: table.name))
            }
        case .directory(let dump):
            databases = dump.databases.map { map.map($0) }
            for file in dump.files where file.kind == .schema {
                guard let database = file.database.map({ map.map($0) }), let name = file.table else { continue }
                let actions = try Self.tableActions(in: file)
                if actions.created && (actions.dropped || options.existingTables == .drop) {
                    tables.append(TableID(database: database, table: name))
                }
            }
        }
        if map.source == nil, let target = map.target { databases = [target] }
        if options.cleanDatabases {
            try confirmClean(databases)
            for database in databases {
                verbose("-- Dropping database \(database.quoted)")
                try control.execute("DROP DATABASE IF EXISTS \(identifier: database)" as SQLText)
            }
        }
        // A dump of one database made without --databases creates none: load into the target,
        // made if missing (as `mysql NAME < dump.sql` would need it made by hand).
        var uncreated: [SQLName] = []
        switch input {
        case .stream(_, let scan):
            if map.source == nil, let target = map.target, scan.tableWithoutDatabase { uncreated = [target] }
        case .directory(let dump):
            let created = Set(dump.files.filter { $0.kind == .database }.compactMap(\.database))
            uncreated = dump.databases.filter { !created.contains($0) }.map { map.map($0) }
        }
        for database in uncreated {
            try control.execute("CREATE DATABASE IF NOT EXISTS \(identifier: database)" as SQLText)
        }
        // The server's own schema is left to the dump's statements, in their order: its
        // tables hold the accounts, routines and events the restore's sessions rely on.
        tables.removeAll { $0.database.asciiLowercased == "mysql" }
        guard options.existingTables != .keep && !tables.isEmpty else { return }
        let wanted = Set(tables)
        for database in Set(tables.map(\.database)).sorted() {
            let existing = try control.query("""
                SELECT TABLE_NAME FROM information_schema.TABLES
                WHERE TABLE_SCHEMA = \(literal: database) AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE', 'SYSTEM VERSIONED')
                """ as SQLText).rows.compactMap { $0.name(0) }.map { TableID(database: database, table: $0) }.filter { wanted.contains($0) }
            guard !existing.isEmpty else { continue }
            verbose("-- Dropping \(existing.count) table(s) of \(database.quoted) that the dump re-creates")
            for batch in stride(from: 0, to: existing.count, by: 200) {
                let names = existing[batch..<min(batch + 200, existing.count)].map { "\(qualified: $0)" as SQLText }
                try control.execute("DROP TABLE IF EXISTS \(sql: SQLText.joined(names, separator: ", "))" as SQLText)
            }
        }
    }

    private func confirmClean(_ databases: [SQLName]) throws {
        guard !options.assumeYes else { return }
        let list = databases.map(\.quoted).joined(separator: ", ")
        guard isatty(0) != 0 && isatty(2) != 0 else {
            throw DumpError.usage("--clean-databases drops \(list) and everything in them: confirm with --yes")
        }
        FileHandle.standardError.write("swiftrestore: drop the database(s) \(list) and everything in them before loading? [y/N] ".data(using: .utf8)!)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw DumpError.usage("not confirmed: nothing was changed") }
    }

    /// Whether a directory dump's schema file drops and creates its table.
    private static func tableActions(in file: DirectoryDump.File) throws -> (created: Bool, dropped: Bool) {
        let splitter = StatementSplitter(reader: try DumpSource(path: file.path).makeReader())
        var result = (created: false, dropped: false)
        while let statement = try splitter.next() {
            if case .table(_, let action) = StatementClassifier.classify(statement.bytes) {
                if action == .create { result.created = true }
                if action == .drop { result.dropped = true }
            }
        }
        return result
    }

    /// What every loading connection runs first: the dump's own session settings (its header,
    /// or a directory file's), then checks off and the restore's own transactions.
    private func sessionSetup(_ input: Input) throws -> [String] {
        var setup: [String] = []
        switch input {
        case .stream(_, let scan):
            setup = scan.prelude.map { String(decoding: $0.bytes, as: UTF8.self) }
        case .directory(let dump):
            if let first = dump.files.first(where: { $0.kind == .schema || $0.kind == .data }) {
                let splitter = StatementSplitter(reader: try DumpSource(path: first.path).makeReader())
                while let statement = try splitter.next(), case .session = StatementClassifier.classify(statement.bytes) {
                    setup.append(String(decoding: statement.bytes, as: UTF8.self))
                }
            }
        }
        setup.append("SET SESSION FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, autocommit = 0")
        // Connections loading one table side by side: no gap locks between their inserts.
        setup.append("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        // A slow statement (a large ALTER) must not cut the connection.
        setup.append("SET SESSION net_read_timeout = 86400, net_write_timeout = 86400")
        if options.skipBinlog { setup.append("SET SESSION sql_log_bin = 0") }
        return setup
    }

    /// A directory dump's files as the scheduler's items, in the manifest's order; files the
    /// journal has (on --resume) are left out.
    private func queueDirectory(_ dump: DirectoryDump, scheduler: RestoreScheduler, map: DatabaseMap, done: Set<String>) throws {
        var indexes: [TableID: Statement] = [:]
        var lastData: [TableID: Int] = [:]
        for (position, file) in dump.files.enumerated() where file.kind == .data {
            if let database = file.database, let table = file.table { lastData[TableID(database: map.map(database), table: table)] = position }
        }
        for (position, file) in dump.files.enumerated() {
            let key = file.database.flatMap { database in file.table.map { TableID(database: map.map(database), table: $0) } }
            let kind: RestoreItem.Kind
            switch file.kind {
            case .database: kind = .barrier
            case .schema: kind = .ordered(schema: true)
            case .data: kind = .data
            case .objects: kind = .object
            }
            if file.kind == .schema && options.deferIndexes, let key {
                indexes[key] = try Self.deferredIndexes(in: file, key: key)
            }
            if !done.contains(file.relativePath) {
                try scheduler.add(RestoreItem(kind: kind, table: key, database: key?.database ?? file.database.map { map.map($0) },
                                              work: .file(file), bytes: Int(file.sqlBytes)))
            }
            // The deferred indexes follow the table's last rows (or its structure, if it has none).
            if let key, let alter = indexes[key], lastData[key] ?? position == position, file.kind != .objects {
                let part = "indexes:\(DirectoryLayout.encode(file.database ?? "")).\(DirectoryLayout.encode(file.table ?? ""))"
                indexes[key] = nil
                if !done.contains(part) {
                    try scheduler.add(RestoreItem(kind: .ordered(schema: false), table: key, database: key.database,
                                                  work: .indexes(alter, part: part), bytes: alter.bytes.count))
                }
            }
        }
    }

    /// The ALTER TABLE that adds the indexes --defer-indexes leaves out of a schema file's table.
    private static func deferredIndexes(in file: DirectoryDump.File, key: TableID) throws -> Statement? {
        let splitter = StatementSplitter(reader: try DumpSource(path: file.path).makeReader())
        while let statement = try splitter.next() {
            if case .table(_, .create) = StatementClassifier.classify(statement.bytes) {
                return IndexDeferral.split(statement.bytes, table: key.table).alter.map { Statement(bytes: $0, offset: 0, database: key.database) }
            }
        }
        return nil
    }
}

/// Finds the line of a failing statement by reading its source again up to it.
enum LineLocator {
    static func line(of failure: StatementFailure, input: Restorer.Input) throws -> Int {
        let source: DumpSource
        switch input {
        case .stream(let stream, _): source = stream
        case .directory(let dump): source = try DumpSource(path: dump.root + "/" + failure.source)
        }
        let reader = try source.makeReader()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var seen: UInt64 = 0
        var lines = 1
        while seen < failure.offset {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { break }
            let used = Int(min(UInt64(count), failure.offset - seen))
            lines += buffer[..<used].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            seen += UInt64(count)
        }
        return lines
    }
}
