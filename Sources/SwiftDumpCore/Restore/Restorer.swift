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

/// Runs one restore: checks the input completely before applying anything, prepares the
/// target (--database, --clean-databases, the drops of the tables the dump re-creates), loads
/// with N connections (``RestoreScheduler``), then verifies (--verify).
final class Restorer {
    private let options: RestoreOptions
    /// Messages for standard error.
    private let report: @Sendable (String) -> Void
    /// --list's output.
    private let output: (String) -> Void

    init(options: RestoreOptions, report: @escaping @Sendable (String) -> Void, output: @escaping (String) -> Void) {
        self.options = options
        self.report = report
        self.output = output
    }

    func run() throws -> RestoreSummary {
        let started = Date()
        var summary = RestoreSummary()
        let input = try openInput()
        if options.list {
            output(input.listing())
            return summary
        }
        summary.acceptedProblems = input.acceptedProblems
        for problem in summary.acceptedProblems { report("swiftrestore: --force: \(problem)") }

        let map = try databaseMap(input)
        let control = try Connection(options.connection)
        verbose("-- Connected: \(control.hostInfo)\(control.tlsCipher.map { ", over TLS (\($0))" } ?? ", not encrypted")")
        try control.execute("SET SESSION FOREIGN_KEY_CHECKS = 0")
        if options.skipBinlog { try control.execute("SET SESSION sql_log_bin = 0") }
        if !options.resume { try prepareTarget(control, input: input, map: map) }

        let journal = input.journal(target: options.database)
        var done: Set<String> = []
        if let journal {
            done = try journal.prepare(on: control, resume: options.resume)
            if options.resume { verbose("-- Resuming: \(done.count) part(s) already restored") }
        }

        let header = try input.sessionSettings()
        let workers = try RestoreWorkers(count: options.threads, options: options.connection, setup: sessionSetup(header))
        defer { workers.close() }
        summary.connections = workers.count
        // --verify: the manifest's checksums, or those the INSERTs carry, gathered while loading.
        let manifestExpectations = options.verify ? try input.expectations(map: map) : nil
        let expectations = options.verify ? manifestExpectations ?? RowExpectations() : nil
        let rowBytes = input.rowBytes(map: map)
        let rules = TableStatementRules(existingTables: options.existingTables, deferredTables: deferredTables(rowBytes),
                                        bulkTables: Set(rowBytes.filter { $0.value >= options.bulkInsertMinimumBytes }.keys),
                                        targetTables: try targetTables(input, map: map, control: control),
                                        expectations: manifestExpectations == nil ? expectations : nil)
        let scheduler = RestoreScheduler(workers: workers.count, largestFirst: input.knowsAllWorkFirst)
        let stats = RestoreStats()
        stats.setTotal(bytes: input.sqlBytes)
        summary.tables = input.tableCount
        let context = LoadContext(options: options, map: map, rules: rules, scheduler: scheduler, done: done)
        let runner = ItemRunner(options: options, stats: stats, scheduler: scheduler, map: map, rules: rules, journal: journal, done: done,
                                sessionHeader: header)

        // All the work first where it is known (a directory: the biggest tables go first),
        // else fed while the workers run (a stream: memory stays bounded).
        if input.knowsAllWorkFirst { try input.queue(context) }
        workers.start(scheduler) { item, session in try runner.perform(item, on: session) }
        let progressLine = ProgressLine.start(enabled: options.progress ?? System.isTerminal(2)) { seconds in
            let now = stats.snapshot
            let rate = Double(now.bytes) / max(seconds, 0.001)
            return "swiftrestore: \(now.bytes / 1_000_000) of \(now.total / 1_000_000) MB, \(now.rows) rows, \(Int(rate / 1_000_000)) MB/s"
                + ProgressLine.eta(done: now.bytes, total: now.total, rate: rate)
        }
        defer { progressLine?.stop() }
        if !input.knowsAllWorkFirst {
            do {
                try input.queue(context)
            } catch {
                // A worker's failure stops the feeder; that failure is the one to report.
                scheduler.fail(error)
            }
        }
        do {
            do {
                try workers.wait()
            } catch var failure as StatementFailure {
                failure.line = try? input.line(of: failure)
                throw failure
            }
        } catch {
            throw input.stopped(by: error, context: context)
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
            if index < 100 { located.line = try? input.line(of: failure) }
            return located
        }
        return summary
    }

    /// The dump named on the command line, checked whole: a directory, or a file (or
    /// standard input), on local disk or in an object store.
    private func openInput() throws -> any RestoreInput {
        if S3Address.isAddress(options.input) {
            let report = self.report
            let isVerbose = options.verbose
            let client = S3Client(try S3Configuration.resolve(options.objectStore, threads: options.threads)) { message in
                if isVerbose { report(message) }
            }
            verbose("-- Object store: \(client.configuration.summary)")
            switch try client.input(options.input) {
            case .object(let object):
                return try StreamInput(DumpSource(object), force: options.force || options.list, countRows: options.list)
            case .directory(let directory):
                return try DirectoryInput(DirectoryDump(location: directory, force: options.force))
            }
        }
        if options.input != "-" && System.status(options.input)?.kind == .directory {
            return try DirectoryInput(DirectoryDump(root: options.input, force: options.force))
        }
        return try StreamInput(DumpSource(path: options.input), force: options.force || options.list, countRows: options.list)
    }

    private func verbose(_ message: @autoclosure () -> String) {
        if options.verbose { report(message()) }
    }

    // MARK: Before loading

    /// --database: the dump's one database (or, if it names none, the default) becomes NAME.
    private func databaseMap(_ input: any RestoreInput) throws -> DatabaseMap {
        let databases = input.databases
        guard let target = options.database else {
            if input.namesNoDatabase {
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
    private func prepareTarget(_ control: Connection, input: any RestoreInput, map: DatabaseMap) throws {
        var databases = input.databases.map { map.map($0) }
        var tables = try input.createdTables(map: map).filter { $0.dropsFirst || options.existingTables == .drop }.map(\.table)
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
        for database in input.databasesNotCreated(map: map) {
            try control.execute("CREATE DATABASE IF NOT EXISTS \(identifier: database)" as SQLText)
        }
        // The server's own schema is left to the dump's statements, in their order: its
        // tables hold the accounts, routines and events the restore's sessions rely on.
        tables.removeAll { TablePolicy.isSystemDatabase($0.database) }
        guard options.existingTables != .keep && !tables.isEmpty else { return }
        let wanted = Set(tables)
        let catalog = Catalog(connection: control)
        for database in Set(tables.map(\.database)).sorted() {
            let existing = try catalog.tables(in: database).map { TableID(database: database, table: $0) }.filter { wanted.contains($0) }
            guard !existing.isEmpty else { continue }
            verbose("-- Dropping \(existing.count) table(s) of \(database.quoted) that the dump re-creates")
            for batch in stride(from: 0, to: existing.count, by: 200) {
                let names = existing[batch..<min(batch + 200, existing.count)].map { "\(qualified: $0)" as SQLText }
                try control.execute("DROP TABLE IF EXISTS \(sql: SQLText.joined(names, separator: ", "))" as SQLText)
            }
        }
    }

    /// The tables whose secondary indexes wait for their rows: those with at least
    /// --defer-indexes-min-size of rows in the dump.
    private func deferredTables(_ rowBytes: [TableID: UInt64]) -> Set<TableID> {
        guard options.defersIndexes else { return [] }
        let tables = rowBytes.filter { $0.value >= options.deferIndexesMinimumBytes }.keys
        if !tables.isEmpty { verbose("-- Deferring secondary indexes of \(tables.count) table(s) of at least \(options.deferIndexesMinimumBytes) bytes of rows") }
        return Set(tables)
    }

    /// The databases that hold nothing once the target is prepared (read after
    /// ``prepareTarget(_:input:map:)``): the dump's DROP TABLE IF EXISTS there change nothing.
    /// A resumed restore knows of none: its first run left tables behind.
    private func targetTables(_ input: any RestoreInput, map: DatabaseMap, control: Connection) throws -> TargetTables {
        guard !options.resume else { return TargetTables(emptyDatabases: []) }
        var databases = input.databases.map { map.map($0) }
        if let target = map.target, !databases.contains(target) { databases.append(target) }
        return try TargetTables(databases, catalog: Catalog(connection: control))
    }

    private func confirmClean(_ databases: [SQLName]) throws {
        guard !options.assumeYes else { return }
        let list = databases.map(\.quoted).joined(separator: ", ")
        guard System.isTerminal(0) && System.isTerminal(2) else {
            throw DumpError.usage("--clean-databases drops \(list) and everything in them: confirm with --yes")
        }
        FileHandle.standardError.write("swiftrestore: drop the database(s) \(list) and everything in them before loading? [y/N] ".data(using: .utf8)!)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw DumpError.usage("not confirmed: nothing was changed") }
    }

    /// What every loading connection runs first: the dump's own session settings (its header,
    /// or a directory file's), then checks off and the restore's own transactions.
    private func sessionSetup(_ header: [[UInt8]]) -> [[UInt8]] {
        var setup = ["SET SESSION FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, autocommit = 0"]
        // Connections loading one table side by side: no gap locks between their inserts.
        setup.append("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        // A slow statement (a large ALTER) must not cut the connection.
        setup.append("SET SESSION net_read_timeout = 86400, net_write_timeout = 86400")
        if options.skipBinlog { setup.append("SET SESSION sql_log_bin = 0") }
        return header + setup.map { Array($0.utf8) }
    }
}
