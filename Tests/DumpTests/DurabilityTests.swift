import Foundation
import MariaDBClient
import Testing
import TestSupport

/// A dump that exits 0 is on stable storage: every file, the manifest last, the directories
/// holding them, and the `-r` file before its rename. strace is the oracle: it shows which
/// syncs reached the kernel, on which file, in which order.
@Suite("Durable outputs")
struct DurabilityTests {
    /// One system call the trace saw complete, in the order they completed.
    enum Event: Equatable {
        case sync(String)
        case rename(from: String, to: String)
        case writeBack(String)
        case makeDirectory(String)
    }

    /// Runs swiftdump under strace and returns the file-system events that completed.
    func tracedDump(_ arguments: [String], in directory: URL) throws -> (ProcessRunner.Outcome, [Event]) {
        let log = directory.appendingPathComponent("strace.log").path
        let endpoint = try TestServer.endpoint()
        let outcome = try ProcessRunner.run("/usr/bin/strace", [
            "-f", "-y", "-qq", "-o", log, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2,sync_file_range,mkdir",
            RepositoryPaths.product("swiftdump"), "--no-defaults", "--socket=\(endpoint.socket)", "--user=\(endpoint.user)",
        ] + arguments)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        return (outcome, Self.events(in: text))
    }

    /// The events in an `strace -f -y` log, each where it completed (a call another thread
    /// interrupted shows as `<unfinished ...>`, then `<... call resumed>` with its result) — but
    /// a write-back where it started: it is a request to the device, and what counts is that
    /// it was made while the file was written, not when a slow disk finished it.
    static func events(in log: String) -> [Event] {
        var pending: [Substring: Substring] = [:]
        var events: [Event] = []
        func descriptorPath(_ call: Substring) -> String? {
            guard let open = call.firstIndex(of: "<"), let close = call[open...].firstIndex(of: ">") else { return nil }
            return String(call[call.index(after: open)..<close])
        }
        for line in log.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let pid = line[..<space]
            var call = line[line.index(after: space)...].drop { $0 == " " }
            if call.hasSuffix("<unfinished ...>") {
                if call.hasPrefix("sync_file_range("), let path = descriptorPath(call) { events.append(.writeBack(path)) }
                pending[pid] = call
                continue
            }
            if call.hasPrefix("<... "), let started = pending.removeValue(forKey: pid),
               let resumed = call.range(of: " resumed>") {
                if started.hasPrefix("sync_file_range(") { continue }
                call = started.dropLast("<unfinished ...>".count) + call[resumed.upperBound...]
            }
            guard call.range(of: #"\) += 0$"#, options: .regularExpression) != nil else { continue }
            func quoted(_ call: Substring) -> [String] {
                call.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            }
            if call.hasPrefix("fsync(") || call.hasPrefix("fdatasync(") {
                if let path = descriptorPath(call) { events.append(.sync(path)) }
            } else if call.hasPrefix("sync_file_range(") {
                if let path = descriptorPath(call) { events.append(.writeBack(path)) }
            } else if call.hasPrefix("rename") {
                let names = quoted(call)
                if names.count == 2 { events.append(.rename(from: names[0], to: names[1])) }
            } else if call.hasPrefix("mkdir(") {
                if let name = quoted(call).first { events.append(.makeDirectory(name)) }
            }
        }
        return events
    }

    /// Where `path` (or its partial name, before the rename) was last synced; nil if never.
    static func lastSync(of path: String, in events: [Event]) -> Int? {
        events.lastIndex { event in
            guard case let .sync(synced) = event else { return false }
            return synced == path || (synced.hasPrefix(path + ".swiftdump-partial-") && !synced.dropFirst(path.count + 1).contains("/"))
        }
    }

    static func renameIndex(to path: String, in events: [Event]) -> Int? {
        events.lastIndex { if case let .rename(_, to) = $0 { return to == path } else { return false } }
    }

    /// A database with one table of about 24 MB (more than a few write-back ranges) and two
    /// small ones, a view among them.
    func makeDatabase() throws -> String {
        let database = try TestServer.makeDatabase("durable")
        let connection = try TestServer.connect(database: database)
        try connection.execute("CREATE TABLE big (id INT PRIMARY KEY, c CHAR(240) NOT NULL)")
        try connection.execute("INSERT INTO big SELECT seq, CONCAT(MD5(seq), MD5(-seq), MD5(seq * 3), MD5(seq * 7), MD5(seq * 11), MD5(seq * 13), SHA1(seq)) FROM seq_1_to_100000")
        try connection.execute("CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(10))")
        try connection.execute("INSERT INTO small VALUES (1, 'a'), (2, 'b')")
        try connection.execute("CREATE VIEW small_view AS SELECT id FROM small")
        return database
    }

    /// Runs `body` with the test database and a new scratch directory, both removed after.
    func withDatabaseAndScratch(_ body: (_ database: String, _ scratch: URL) throws -> Void) throws {
        let database = try makeDatabase()
        defer { _ = try? TestServer.connect().execute("DROP DATABASE `\(database)`") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try body(database, scratch)
    }

    @Test("a directory dump syncs every file, then its directories, then the manifest, then the directory again")
    func directoryDump() throws {
        try withDatabaseAndScratch { database, scratch in
            let root = scratch.appendingPathComponent("dump").path
            for threads in ["1", "2"] {
                for compression in [[], ["--compress-output=zstd:3"]] {
                    try? FileManager.default.removeItem(atPath: root)
                    let (outcome, events) = try tracedDump(["--format=dir", "--threads", threads, "-o", root, database] + compression,
                                                           in: scratch)
                    #expect(outcome.status == 0, "\(outcome.standardErrorText)")
                    let manifest = root + "/manifest.json"
                    let manifestRename = try #require(Self.renameIndex(to: manifest, in: events), "the manifest was never renamed into place")
                    let files = try FileManager.default.subpathsOfDirectory(atPath: root).map { root + "/" + $0 }
                        .filter { (try? FileManager.default.attributesOfItem(atPath: $0)[.type] as? FileAttributeType) == .typeRegular }
                    #expect(files.count >= 6, "\(files)")
                    for file in files where file != manifest {
                        let synced = Self.lastSync(of: file, in: events)
                        #expect(synced != nil && synced! < manifestRename, "\(file) synced at \(String(describing: synced)), manifest at \(manifestRename)")
                        #expect((Self.renameIndex(to: file, in: events) ?? .max) < manifestRename, "\(file) renamed before the manifest")
                    }
                    let manifestSync = try #require(Self.lastSync(of: manifest, in: events))
                    #expect(manifestSync < manifestRename, "the manifest's bytes are synced before its name")
                    // Every directory after the last name made in it and before the manifest; the
                    // root (and its parent, which gained the root) once more after the manifest.
                    for directory in Set(files.map { ($0 as NSString).deletingLastPathComponent }) {
                        let lastRenameInside = events.lastIndex { event in
                            if case let .rename(_, to) = event { return (to as NSString).deletingLastPathComponent == directory && to != manifest }
                            return false
                        } ?? 0
                        let synced = events.indices.filter { events[$0] == .sync(directory) }
                        #expect(synced.contains { $0 > lastRenameInside && $0 < manifestRename }, "\(directory) synced after its files' names")
                    }
                    #expect(events[manifestRename...].contains(.sync(root)), "the root synced after the manifest's rename")
                    #expect(events[manifestRename...].contains(.sync(scratch.path)), "the root's parent synced: it holds the new root")
                    // The large table's file was written back while it was written, not only at the end.
                    #expect(!compression.isEmpty || events.contains { if case let .writeBack(path) = $0 { return path.contains("/big.") } else { return false } },
                            "no early write-back of the large table (threads \(threads), \(compression))")
                }
            }
        }
    }

    @Test("-r FILE is synced before it is renamed onto FILE, and its directory after; write-back starts while it is written")
    func resultFile() throws {
        try withDatabaseAndScratch { database, scratch in
            for (name, threads) in [("dump.sql", "1"), ("dump.sql", "2"), ("dump.sql.zst", "2")] {
                let path = scratch.appendingPathComponent(name).path
                try? FileManager.default.removeItem(atPath: path)
                let (outcome, events) = try tracedDump(["--threads", threads, "-r", path, database], in: scratch)
                #expect(outcome.status == 0, "\(outcome.standardErrorText)")
                #expect(FileManager.default.fileExists(atPath: path))
                let rename = try #require(Self.renameIndex(to: path, in: events), "\(name) never renamed into place")
                guard case let .rename(from, _) = events[rename] else { continue }
                #expect(from.hasPrefix(path + ".swiftdump-partial-"))
                let synced = try #require(Self.lastSync(of: path, in: events), "\(name) never synced")
                #expect(synced < rename, "\(name): synced after its rename")
                #expect(events[rename...].contains(.sync(scratch.path)), "\(name): its directory not synced after the rename")
                let writeBacks = events[..<synced].filter { if case let .writeBack(written) = $0 { return written == from } else { return false } }
                if !name.hasSuffix(".zst") {
                    #expect(writeBacks.count >= 2, "\(name), \(threads) threads: \(writeBacks.count) early write-backs of 24 MB")
                }
            }
        }
    }
}
