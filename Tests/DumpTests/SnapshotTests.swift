import Foundation
import MariaDBClient
import Testing
import TestSupport

/// How the reading connections come to share one snapshot, and what the dump says about it:
/// the lock, `--no-lock`, an account without the privilege for the lock, and the messages.
@Suite("One snapshot: locks, fallbacks and messages")
struct SnapshotTests {
    static func snapshot(of directory: String) throws -> [String: Any] {
        try #require(try ParallelDumpTests.manifestObject(directory)["snapshot"] as? [String: Any])
    }

    @Test("-v proves the snapshot: the lock, how long it was held, every connection's position, all equal")
    func verboseProof() throws {
        let source = try ParallelDumpTests.makeBank()
        let directory = ParallelDumpTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(["-v", "--threads=3", "--chunk-size=16K", "--format=dir", "-o", directory, source])
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        let line = try #require(dump.standardErrorText.split(separator: "\n").first { $0.hasPrefix("-- Snapshot: 3 connection(s), BACKUP STAGE BLOCK_DDL + FLUSH TABLES WITH READ LOCK, lock held ") })
        #expect(line.hasSuffix(", all agree"), "\(line)")
        let proof = try Self.snapshot(of: directory)
        #expect(proof["method"] as? String == "BACKUP STAGE BLOCK_DDL + FLUSH TABLES WITH READ LOCK")
        #expect(proof["consistent"] as? Bool == true)
        let positions = try #require(proof["positions"] as? [[String: Any]])
        #expect(positions.count == 3)
        #expect(Set(positions.map { "\($0["file"] ?? ""):\($0["position"] ?? "")" }).count == 1)
        let binaryLog = positions.first?["file"] as? String
        #expect(binaryLog?.isEmpty == false, "the test server writes a binary log")
    }

    @Test("--no-lock dumps without a global lock and says whether the server committed meanwhile")
    func noLock() throws {
        let source = try ParallelDumpTests.makeBank()

        // Quiet apart from other tests, then with transfers committing all the time: either
        // outcome is possible, but the note must match the positions recorded.
        for busy in [false, true] {
            let transfers = busy ? try ParallelDumpTests.Transfers(database: source) : nil
            defer { _ = transfers?.stop() }
            let directory = ParallelDumpTests.scratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let dump = try StockTools.swiftdump(["-v", "--no-lock", "--threads=3", "--format=dir", "-o", directory, source])
            #expect(dump.status == 0, "\(dump.standardErrorText)")
            let proof = try Self.snapshot(of: directory)
            #expect(proof["method"] as? String == "none")
            let note = try #require(proof["note"] as? String)
            let consistent = try #require(proof["consistent"] as? Bool)
            if consistent {
                #expect(note == "--no-lock: nothing was committed while the snapshots started")
            } else {
                #expect(note.hasPrefix("--no-lock: the server committed while the snapshots started"), "\(note)")
            }
            #expect(dump.standardErrorText.contains("-- \(note)"))
            if busy {
                // Without -v, an unproven snapshot is still said; a proven one is silent.
                let quiet = try StockTools.swiftdump(["--no-lock", "--threads=3", source])
                #expect(quiet.status == 0)
                let said = quiet.standardErrorText
                #expect(said.isEmpty || said.hasPrefix("-- --no-lock: the server committed while the snapshots started"), "\(said)")
            }
        }
    }

    @Test("without RELOAD there is no global lock: one connection reads everything, said under -v and in the manifest")
    func noReloadPrivilege() throws {
        let source = try ParallelDumpTests.makeBank()
        let admin = try TestServer.connect()
        let user = "noreload_\(UInt32.random(in: 0..<UInt32.max))"
        try admin.execute("CREATE USER '\(user)'@'localhost' IDENTIFIED BY 'pw'")
        defer { _ = try? admin.execute("DROP USER '\(user)'@'localhost'") }
        try admin.execute("GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON `\(source)`.* TO '\(user)'@'localhost'")
        let account = ["--user=\(user)", "--password=pw"]

        let directory = ParallelDumpTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = try StockTools.swiftdump(account + ["-v", "--threads=4", "--chunk-size=16K", "--format=dir", "-o", directory, source])
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        #expect(dump.standardErrorText.contains("no privilege for a global lock"))
        #expect(dump.standardErrorText.contains("-- Snapshot: 1 connection(s), single connection"))
        let proof = try Self.snapshot(of: directory)
        #expect(proof["method"] as? String == "single connection")
        #expect(proof["consistent"] as? Bool == true)
        #expect((proof["positions"] as? [Any])?.count == 1)

        // The single stream: the same bytes as the privileged four-connection dump, and nothing
        // on standard error without -v.
        let fallback = try StockTools.swiftdump(account + ["--threads=4", "--skip-dump-date", source])
        let privileged = try StockTools.swiftdump(["--threads=4", "--skip-dump-date", source])
        #expect(fallback.status == 0)
        #expect(fallback.standardErrorText.isEmpty, "\(fallback.standardErrorText)")
        #expect(fallback.standardOutput == privileged.standardOutput)
    }

    @Test("--progress draws the line on standard error even off a terminal; without it, nothing extra")
    func progressLine() throws {
        let source = try ParallelDumpTests.makeBank()
        let forced = try StockTools.swiftdump(["--progress", "--threads=2", source])
        #expect(forced.status == 0)
        #expect(forced.standardErrorText.contains("\r\u{1B}[Kswiftdump: tables "))
        #expect(forced.standardErrorText.hasSuffix("\r\u{1B}[K"), "the line is erased at the end")
        let plain = try StockTools.swiftdump(["--threads=2", source])
        #expect(plain.standardErrorText.isEmpty)
        #expect(plain.standardOutput.count == forced.standardOutput.count)
        let none = try StockTools.swiftdump(["--progress", "--no-progress", "--threads=2", source])
        #expect(none.standardErrorText.isEmpty)

        // swiftrestore's line, and its summary, end properly (the line once stopped twice and hung).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UInt32.random(in: 0..<UInt32.max)).sql").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(FileManager.default.createFile(atPath: file, contents: Data(plain.standardOutput)))
        let target = try TestServer.makeDatabase("progress_restore")
        let restore = try StockTools.swiftrestore(["--progress", "--verify", "-j", "2", "--database", target, file])
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        #expect(restore.standardErrorText.contains("\r\u{1B}[Kswiftrestore: "))
        #expect(restore.standardErrorText.contains("swiftrestore: restored 8 table(s), 4000 rows"))
    }
}
