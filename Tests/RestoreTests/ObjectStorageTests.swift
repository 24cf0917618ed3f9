import Foundation
import MariaDBClient
import Testing
import TestSupport

/// A table of `rows` rows of about 200 bytes that do not compress away (hex of SHA-2), so a
/// dump of it spans several 5 MiB parts.
func makeLargeTable(_ connection: Connection, rows: Int, name: String = "a_big") throws {
    try connection.execute("CREATE TABLE `\(name)` (id INT PRIMARY KEY, pad VARCHAR(255) NOT NULL)")
    try connection.execute("INSERT INTO `\(name)` SELECT seq, CONCAT(SHA2(seq, 256), SHA2(seq + 1, 256), SHA2(seq + 2, 256)) FROM seq_1_to_\(rows)")
}

/// Dumps to and restores from a real S3 server (Ceph's RADOS Gateway on loopback, started by
/// scripts/test): every format, failures on either side, bad credentials, damaged objects.
/// What is in the store is checked with boto3, not with our client.
@Suite("Object storage")
struct ObjectStorageTests {
    let store: ObjectStore
    init() throws { store = try .shared() }

    static let datasets: [Dataset] = [.values, .names, .hostile, .tables, .objects, .sakila, .world]

    enum Format: String, CaseIterable, Sendable {
        case plain, gzip, zstd, dir

        var suffix: String {
            switch self {
            case .plain: ".sql"
            case .gzip: ".sql.gz"
            case .zstd: ".sql.zst"
            case .dir: "/"
            }
        }

        func output(_ url: String) -> [String] { self == .dir ? ["--format=dir", "-o", url] : ["-r", url] }
    }

    private func dropLater(_ database: String) { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(database)`") }

    @Test("every format dumps to the store and restores from it, with 1 and 4 connections", arguments: datasets, Format.allCases)
    func roundTrip(dataset: Dataset, format: Format) throws {
        try dataset.load()
        let bucket = try store.makeBucket("roundtrip")
        let environment = store.environment()
        for threads in [1, 4] {
            // The key starts with a combining mark (and, for the hostile names, holds more):
            // bytes in the store's XML listings too.
            let url = "s3://\(bucket)/\u{301}backups/\(dataset.database)-\(threads)\(format.suffix)"
            let dump = try StockTools.swiftdump(["-R", "-E", "--threads=\(threads)", "--chunk-size=16K"] + format.output(url) + [dataset.database],
                                                environment: environment)
            try #require(dump.status == 0, "swiftdump: \(dump.standardErrorText)")
            let target = "t_s3_\(UInt32.random(in: 0..<UInt32.max))"
            defer { dropLater(target) }
            let restore = try StockTools.swiftrestore(["--threads=\(threads)", "--database", target, "--verify", url], environment: environment)
            #expect(restore.status == 0, "swiftrestore -j \(threads): \(restore.standardErrorText)")
            try expectSameDatabase(dataset.database, target)
        }
        #expect(try store.uploadsInProgress(bucket).isEmpty, "no upload is left in progress")
    }

    @Test("a dump of many parts: the object is the local dump's bytes, uploaded in parts by 4 connections, and --list reads it")
    func multipart() throws {
        let database = try TestServer.makeDatabase("s3big")
        defer { dropLater(database) }
        try makeLargeTable(TestServer.connect(database: database), rows: 120_000)
        let bucket = try store.makeBucket("multipart")
        let environment = store.environment()
        let local = scratchPath("local.sql")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let plain = try StockTools.swiftdump(["--skip-dump-date", "--threads=2", "-r", local, database])
        try #require(plain.status == 0, "\(plain.standardErrorText)")
        let dump = try StockTools.swiftdump(["--skip-dump-date", "--threads=2", "--s3-part-size=5M", "--s3-connections=4",
                                             "-r", "s3://\(bucket)/big.sql", database], environment: environment)
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        let downloaded = scratchPath("downloaded.sql")
        defer { try? FileManager.default.removeItem(atPath: downloaded) }
        try store.download(bucket, "big.sql", to: downloaded)
        let expected = try Data(contentsOf: URL(fileURLWithPath: local))
        #expect(expected.count > 20 << 20, "the dump spans several parts")
        #expect(try Data(contentsOf: URL(fileURLWithPath: downloaded)) == expected, "the object holds the dump's bytes")
        let list = try StockTools.swiftrestore(["--list", "s3://\(bucket)/big.sql"], environment: environment)
        #expect(list.status == 0, "\(list.standardErrorText)")
        #expect(list.standardOutputText.contains("a_big") && list.standardOutputText.contains("120000"), "\(list.standardOutputText)")
        #expect(try store.uploadsInProgress(bucket).isEmpty)
    }

    @Test("a mysqldump file another tool uploaded restores from the store")
    func otherToolsUpload() throws {
        try Dataset.sakila.load()
        let bucket = try store.makeBucket("stock")
        let path = scratchPath("stock.sql")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dump = try StockTools.dump(["--single-transaction", "-R", "--result-file=\(path)", "sakila"])
        try #require(dump.status == 0, "\(dump.standardErrorText)")
        try store.upload(path, to: bucket, "stock/sakila.sql")
        let target = "t_s3_stock_\(UInt32.random(in: 0..<UInt32.max))"
        defer { dropLater(target) }
        let restore = try StockTools.swiftrestore(["-j", "4", "--database", target, "s3://\(bucket)/stock/sakila.sql"],
                                                  environment: store.environment())
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        try expectSameDatabase("sakila", target)
    }

    @Test("a wrong secret key is refused with a clear message and exit 2; the secret is never printed")
    func wrongSecret() throws {
        try Fixtures.load("fidelity_values")
        let bucket = try store.makeBucket("secret")
        let wrong = "wrong-secret-\(UInt32.random(in: 0..<UInt32.max))"
        let environment = store.environment(secretKey: wrong)
        for output in [["-r", "s3://\(bucket)/x.sql"], ["--format=dir", "-o", "s3://\(bucket)/dir/"]] {
            let dump = try StockTools.swiftdump(["-v"] + output + ["fidelity_values"], environment: environment)
            #expect(dump.status == 2, "\(output): \(dump.standardErrorText)")
            #expect(dump.standardErrorText.contains("SignatureDoesNotMatch"), "\(dump.standardErrorText)")
            #expect(!dump.standardErrorText.contains(wrong) && !dump.standardOutputText.contains(wrong))
        }
        let restore = try StockTools.swiftrestore(["-v", "s3://\(bucket)/x.sql"], environment: environment)
        #expect(restore.status == 2, "\(restore.standardErrorText)")
        #expect(restore.standardErrorText.contains("SignatureDoesNotMatch"))
        #expect(!restore.standardErrorText.contains(wrong))
        #expect(try store.objects(bucket).isEmpty)
        // No credentials at all: a usage error that says where they are looked for.
        var none = environment
        none["AWS_ACCESS_KEY_ID"] = nil
        none["AWS_SECRET_ACCESS_KEY"] = nil
        none["HOME"] = scratchPath("home")
        let missing = try StockTools.swiftdump(["-r", "s3://\(bucket)/x.sql", "fidelity_values"], environment: none)
        #expect(missing.status == 1 && missing.standardErrorText.contains("no S3 credentials"), "\(missing.standardErrorText)")
    }

    @Test("credentials and the endpoint from a profile of ~/.aws, as the AWS tools read them")
    func profileFiles() throws {
        try Fixtures.load("fidelity_values")
        let server = store
        let bucket = try store.makeBucket("profile")
        let home = scratchPath("home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try "[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n[backup]\naws_access_key_id = \(server.accessKey)\naws_secret_access_key = \(server.secretKey)\n"
            .write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile backup]\nregion = eu-west-1\ns3 =\n  endpoint_url = \(server.url)\n"
            .write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        var environment = store.environment()
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION"] { environment[name] = nil }
        environment["HOME"] = home
        let dump = try StockTools.swiftdump(["--s3-profile=backup", "-r", "s3://\(bucket)/p.sql.zst", "fidelity_values"], environment: environment)
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        environment["AWS_PROFILE"] = "backup"
        let list = try StockTools.swiftrestore(["--list", "s3://\(bucket)/p.sql.zst"], environment: environment)
        #expect(list.status == 0, "\(list.standardErrorText)")
        // The default profile's keys are refused by the store.
        environment["AWS_PROFILE"] = nil
        let refused = try StockTools.swiftrestore(["--list", "--s3-endpoint=\(server.url)", "s3://\(bucket)/p.sql.zst"], environment: environment)
        #expect(refused.status == 2, "\(refused.standardErrorText)")
    }

    @Test("a directory restore from the store killed midway finishes with --resume from the store: identical data")
    func resumeFromStore() throws {
        let bucket = try store.makeBucket("resume")
        let environment = store.environment()
        let (source, url) = try RestoreResumeTests.makeDump(location: "s3://\(bucket)/resume/", environment: environment)
        let target = "t_s3_resume_\(UInt32.random(in: 0..<UInt32.max))"
        defer { dropLater(target); dropLater(source) }
        let restore = try StockTools.startSwiftrestore(["-j", "2", "--database", target, url], environment: environment)
        let done = try RestoreResumeTests.waitForJournal(5, source: source, connection: TestServer.connect())
        restore.signal(SIGKILL)
        let killed = restore.wait(timeout: 60)
        #expect(killed.status == 128 + SIGKILL, "killed before it finished: \(killed.standardErrorText)")
        #expect(done >= 5)
        try RestoreResumeTests.finish(target, directory: url, source: source, environment: environment)
    }

    @Test("a directory dump needs an empty prefix; nothing is written into one that holds objects")
    func nonEmptyPrefix() throws {
        try Fixtures.load("fidelity_values")
        let bucket = try store.makeBucket("prefix")
        let environment = store.environment()
        let first = try StockTools.swiftdump(["--format=dir", "-o", "s3://\(bucket)/d/", "fidelity_values"], environment: environment)
        try #require(first.status == 0, "\(first.standardErrorText)")
        let before = try store.objects(bucket)
        let second = try StockTools.swiftdump(["--format=dir", "-o", "s3://\(bucket)/d", "fidelity_values"], environment: environment)
        #expect(second.status == 1 && second.standardErrorText.contains("not empty"), "\(second.standardErrorText)")
        #expect(try store.objects(bucket) == before)
        #expect(before["d/manifest.json"] != nil, "the manifest is written: \(before.keys.sorted())")
        // The manifest holds the settings, never a credential.
        let manifest = scratchPath("manifest.json")
        defer { try? FileManager.default.removeItem(atPath: manifest) }
        try store.download(bucket, "d/manifest.json", to: manifest)
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let server = store
        #expect(!text.contains(server.secretKey) && !text.contains(server.accessKey))
    }

    @Test("an object truncated or altered in the store is refused before anything is applied")
    func damagedObjects() throws {
        try Fixtures.load("fidelity_values")
        let bucket = try store.makeBucket("damaged")
        let environment = store.environment()
        for format in Format.allCases {
            let url = "s3://\(bucket)/v\(format.suffix)"
            let dump = try StockTools.swiftdump(["--chunk-size=4K"] + format.output(url) + ["fidelity_values"], environment: environment)
            try #require(dump.status == 0, "\(dump.standardErrorText)")
            let objects = try store.objects(bucket)
            let key = format == .dir ? objects.keys.filter { $0.hasPrefix("v/") && $0.contains(".00001.") }.sorted().first! : "v\(format.suffix)"
            let original = scratchPath("original")
            defer { try? FileManager.default.removeItem(atPath: original) }
            try store.download(bucket, key, to: original)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
            for damage in ["truncated", "altered"] {
                var damaged = bytes
                if damage == "truncated" { damaged.removeLast(damaged.count / 3) } else { damaged[damaged.count / 2] ^= 0x20 }
                try store.overwrite(bucket, key, with: damaged, keepingTags: true)
                let target = "t_s3_damaged_\(UInt32.random(in: 0..<UInt32.max))"
                defer { dropLater(target) }
                let restore = try StockTools.swiftrestore(["--database", target, url], environment: environment)
                #expect(restore.status == 7, "\(format) \(damage): \(restore.status) \(restore.standardErrorText)")
                let exists = try TestServer.connect().query("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '\(target)'").rows.first?.string(0)
                #expect(exists == "0", "\(format) \(damage): the target database was created")
            }
        }
    }
}

/// Failures in the middle of an upload. A dump here is held at a table whose write lock the
/// test holds, on a MariaDB server of the test's own: on the shared one that lock would make
/// other tests' FLUSH TABLES WITH READ LOCK wait. A test that stops the gateway has a store of
/// its own as well, so the other tests' store stays up.
@Suite("Object storage faults")
struct ObjectStorageFaultTests {
    /// Starts a dump of `a_big` and `b_small` that stops at `b_small`, whose write lock the test
    /// holds: by then `a_big`'s first parts are in the store. Returns the running dump and the
    /// connection holding the lock.
    private func blockedDump(_ server: ScratchServer, output: [String], extra: [String] = [],
                             environment: [String: String]) throws -> (ProcessRunner.Running, Connection) {
        let setup = try server.connect()
        try setup.execute("DROP DATABASE IF EXISTS s3fault")
        try setup.execute("CREATE DATABASE s3fault")
        try makeLargeTable(server.connect(database: "s3fault"), rows: 150_000)
        let holder = try server.connect(database: "s3fault")
        try holder.execute("CREATE TABLE b_small (id INT PRIMARY KEY)")
        try holder.execute("INSERT INTO b_small VALUES (1)")
        try holder.execute("LOCK TABLES b_small WRITE")
        let dump = try StockTools.startSwiftdump(["--threads=1", "--single-transaction", "--skip-ddl-lock", "--skip-lock-tables",
                                                  "--lock-wait-timeout=120", "--s3-part-size=5M", "--s3-connections=2"] + extra + output + ["s3fault"],
                                                 socket: server.socket, environment: environment)
        return (dump, holder)
    }

    /// Waits until the dump waits for the lock `holder` holds (it has read `a_big`) and the
    /// store holds some of it: an upload in progress (a stream's) or objects (a directory's
    /// `a_big` files, still partial output of the dump).
    private func waitForUpload(_ store: ObjectStore, _ bucket: String, _ holder: Connection) throws {
        for _ in 0..<600 {
            if try !waitingForLock(holder).isEmpty, try !store.uploadsInProgress(bucket).isEmpty || !store.objects(bucket).isEmpty { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("no upload began, or the dump never waited for the lock")
    }

    /// The connections waiting for a table's metadata lock: the dump's, at `b_small`.
    private func waitingForLock(_ holder: Connection) throws -> [String] {
        try holder.query("SELECT ID FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table metadata lock%'").rows.compactMap { $0.string(0) }
    }

    @Test("a dump that fails midway (its connection killed), or is interrupted, aborts its upload: no object, no part left", arguments: ["kill", "SIGTERM"])
    func failedUpload(how: String) throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let store = try ObjectStore.shared()
        let bucket = try store.makeBucket("failed")
        let environment = store.environment()
        for output in [["-r", "s3://\(bucket)/f.sql"], ["--format=dir", "-o", "s3://\(bucket)/dir/"]] {
            let (dump, holder) = try blockedDump(server, output: output, environment: environment)
            try waitForUpload(store, bucket, holder)
            if how == "kill" {
                for id in try waitingForLock(holder) { try holder.execute("KILL CONNECTION \(id)") }
            } else {
                dump.signal(SIGTERM)
            }
            let outcome = dump.wait(timeout: 120)
            try holder.execute("UNLOCK TABLES")
            #expect(outcome.status == (how == "kill" ? 2 : 143), "\(output): \(outcome.standardErrorText)")
            let left = try store.objects(bucket)
            #expect(left.isEmpty, "\(output): objects left: \(left)")
            #expect(try store.uploadsInProgress(bucket).isEmpty, "\(output): an upload left in progress")
        }
    }

    @Test("the store unreachable midway: retried, then a clear failure, no object; the next dump to the name aborts the part left behind")
    func storeDown() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let store = try ObjectStore.startPrivate()
        defer { store.stop() }
        let bucket = try store.makeBucket("down")
        let environment = store.environment()
        let url = "s3://\(bucket)/down.sql"
        let (dump, holder) = try blockedDump(server, output: ["-r", url], extra: ["--s3-timeout=3"], environment: environment)
        try waitForUpload(store, bucket, holder)
        try store.stopGateway()
        let started = Date()
        try holder.execute("UNLOCK TABLES")
        let outcome = dump.wait(timeout: 120)
        let seconds = Date().timeIntervalSince(started)
        try store.startGateway()
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        #expect(outcome.standardErrorText.contains("down.sql"), "\(outcome.standardErrorText)")
        #expect(seconds < 60, "the failure took \(seconds) s with --s3-timeout=3")
        print("measured: store down mid-upload: failed after \(String(format: "%.1f", seconds)) s")
        #expect(try store.objects(bucket).isEmpty)
        // The abort could not reach the store; the next dump to the same name removes the upload.
        let again = try StockTools.swiftdump(["-r", url, "s3fault"], socket: server.socket, environment: environment)
        #expect(again.status == 0, "\(again.standardErrorText)")
        #expect(try store.uploadsInProgress(bucket).isEmpty, "the stale upload was aborted")
        #expect(try store.objects(bucket).keys.sorted() == ["down.sql"])
    }

    @Test("the store away for a few seconds mid-upload: the dump retries and completes, equal to its source")
    func storeBack() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let store = try ObjectStore.startPrivate()
        defer { store.stop() }
        let bucket = try store.makeBucket("back")
        let environment = store.environment()
        let url = "s3://\(bucket)/back.sql"
        let (dump, holder) = try blockedDump(server, output: ["-r", url], environment: environment)
        try waitForUpload(store, bucket, holder)
        try store.stopGateway()
        try holder.execute("UNLOCK TABLES")
        Thread.sleep(forTimeInterval: 3)
        try store.startGateway()
        let outcome = dump.wait(timeout: 300)
        #expect(outcome.status == 0, "\(outcome.standardErrorText)")
        let restore = try StockTools.swiftrestore(["-j", "2", "--database", "s3back", "--verify", url], socket: server.socket, environment: environment)
        #expect(restore.status == 0, "\(restore.standardErrorText)")
        let connection = try server.connect()
        for table in ["a_big", "b_small"] {
            let checksums = try ["s3fault", "s3back"].map { try connection.query("CHECKSUM TABLE `\($0)`.`\(table)`").rows.first?.string(1) }
            #expect(checksums[0] != nil && checksums[0] == checksums[1], "\(table): \(checksums)")
        }
    }
}
