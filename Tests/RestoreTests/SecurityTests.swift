import Foundation
import MariaDBClient
import Testing
import TestSupport

/// Secrets stay secret, backups are private, and TLS never falls back to plaintext.
@Suite("Secrets, permissions and TLS")
struct SecurityTests {
    /// A password with a combining mark after its first byte: byte-wise scrubbing must find it.
    static let password = "P\u{301}w-s3cr3t;'x"
    static let user = "secret_user"

    /// An account with ``password`` on the test server.
    static func makeAccount() throws {
        let connection = try TestServer.connect()
        for host in ["localhost", "127.0.0.1"] {
            try connection.execute("CREATE USER IF NOT EXISTS '\(user)'@'\(host)' IDENTIFIED BY \(SQLTestText.literal(password))")
            try connection.execute("GRANT ALL ON *.* TO '\(user)'@'\(host)'")
        }
    }

    static func arguments(_ extra: [String]) throws -> [String] {
        let endpoint = try TestServer.endpoint()
        return ["--no-defaults", "--socket=\(endpoint.socket)", "--user=\(user)"] + extra
    }

    /// Every file under `path` (or the file itself), for a search of its bytes.
    static func contents(under path: String) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return Array(FileManager.default.contents(atPath: path) ?? Data()) }
        var bytes: [UInt8] = []
        for case let name as String in FileManager.default.enumerator(atPath: path) ?? FileManager.DirectoryEnumerator() {
            bytes += Array(FileManager.default.contents(atPath: path + "/" + name) ?? Data())
        }
        return bytes
    }

    static func containsPassword(_ bytes: [UInt8]) -> Bool { bytes.firstRange(of: Array(password.utf8)) != nil }

    @Test("a password given as -pSECRET, -vpSECRET, --password=SECRET or --passw=SECRET is overwritten in /proc/PID/cmdline while the dump runs")
    func argumentsScrubbed() throws {
        try Self.makeAccount()
        try Fixtures.load("fidelity_values")
        for (index, form) in [["-p" + Self.password], ["-vp" + Self.password], ["--password=" + Self.password], ["--passw=" + Self.password]].enumerated() {
            // The output is a FIFO nobody reads yet: the dump waits there, connected, its
            // password long parsed.
            let fifo = scratchPath("fifo-\(index)")
            #expect(mkfifo(fifo, 0o600) == 0)
            defer { unlink(fifo) }
            let running = try ProcessRunner.start(RepositoryPaths.product("swiftdump"), try Self.arguments(form + ["-r", fifo, "fidelity_values"]))
            // The arguments are scrubbed as soon as they are parsed, a moment after the process
            // starts (on a loaded machine, after the first read here): read again until they
            // are, for up to 10 s while the dump waits at the FIFO. A dump that never scrubs
            // them fails below.
            var commandLine: [UInt8] = []
            for _ in 0..<200 {
                Thread.sleep(forTimeInterval: 0.05)
                commandLine = Array(FileManager.default.contents(atPath: "/proc/\(running.pid)/cmdline") ?? Data())
                if !commandLine.isEmpty && !Self.containsPassword(commandLine) { break }
            }
            // Read the FIFO to its end so the dump can finish.
            let reader = Thread {
                let descriptor = open(fifo, O_RDONLY)
                var buffer = [UInt8](repeating: 0, count: 65536)
                while read(descriptor, &buffer, buffer.count) > 0 {}
                close(descriptor)
            }
            reader.start()
            let outcome = running.wait(timeout: 120)
            #expect(outcome.status == 0, "\(form.first!.prefix(8)): \(outcome.standardErrorText)")
            #expect(!commandLine.isEmpty, "the process's command line was read")
            #expect(!Self.containsPassword(commandLine), "\(form.first!.prefix(8)): the password is in /proc/PID/cmdline")
            #expect(commandLine.firstRange(of: Array("xxxxxxxx".utf8)) != nil, "the password's bytes are overwritten with x")
            #expect(!Self.containsPassword(outcome.standardError), "-v output")
        }
    }

    @Test("no manifest, file, log, -v line, --list line or error message holds the password")
    func nowhereElse() throws {
        try Self.makeAccount()
        try Fixtures.load("fidelity_values")
        let directory = scratchPath("secret-dir")
        let log = scratchPath("secret-log")
        let file = scratchPath("secret-file.sql.zst")
        defer { for path in [directory, log, file] { try? FileManager.default.removeItem(atPath: path) } }
        let dumps = [
            try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try Self.arguments(["-vp" + Self.password, "--log-error=\(log)", "--format=dir", "-o", directory, "fidelity_values"])),
            try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try Self.arguments(["--passw=" + Self.password, "-v", "-r", file, "fidelity_values"])),
            // From the environment, as MYSQL_PWD.
            try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try Self.arguments(["-v", "--master-data=2", "fidelity_values"]),
                                  environment: ProcessInfo.processInfo.environment.merging(["MYSQL_PWD": Self.password]) { $1 }),
        ]
        for dump in dumps {
            #expect(dump.status == 0, "\(dump.standardErrorText)")
            #expect(!Self.containsPassword(dump.standardError) && !Self.containsPassword(dump.standardOutput))
        }
        for path in [directory, log, file] {
            #expect(!Self.contents(under: path).isEmpty, "\(path) was written")
            #expect(!Self.containsPassword(Self.contents(under: path)), "\(path) holds the password")
        }
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))) as? [String: Any])
        let settings = try #require(manifest["settings"] as? [String: Any], "the manifest records the settings in effect")
        #expect((settings["server"] as? [String: Any])?["user"] as? String == Self.user)
        #expect(manifest["options"] == nil, "never the command line")

        let target = "t_secret_\(UInt32.random(in: 0..<UInt32.max))"
        defer { _ = try? TestServer.connect().execute("DROP DATABASE IF EXISTS `\(target)`") }
        for restore in [
            try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), try Self.arguments(["-vp" + Self.password, "--database", target, "--verify", directory])),
            try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), try Self.arguments(["-p" + Self.password, "--list", directory])),
            try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), try Self.arguments(["-p" + Self.password, "--list", file])),
        ] {
            #expect(restore.status == 0, "\(restore.standardErrorText)")
            #expect(!Self.containsPassword(restore.standardError) && !Self.containsPassword(restore.standardOutput))
        }
        // Refused: the wrong password, and a statement that fails.
        let wrong = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try Self.arguments(["-p" + Self.password + "x", "fidelity_values"]))
        #expect(wrong.status == 2)
        #expect(wrong.standardErrorText.contains("Access denied"))
        #expect(!Self.containsPassword(wrong.standardError))
        let failing = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), try Self.arguments(["-p" + Self.password, "--where=no_such_column = 1", "fidelity_values"]))
        #expect(failing.status == 2)
        #expect(!Self.containsPassword(failing.standardError))
    }

    static func mode(_ path: String) -> mode_t {
        var status = stat()
        stat(path, &status)
        return status.st_mode & 0o777
    }

    @Test("dump files are created 0600 and directories 0700, the manifest too; --umask widens them")
    func privateByDefault() throws {
        try Fixtures.load("fidelity_values")
        let file = scratchPath("private.sql")
        let directory = scratchPath("private-dir")
        defer { for path in [file, directory] { try? FileManager.default.removeItem(atPath: path) } }
        // The process's own umask lets everyone read: swiftdump does not.
        let open = ProcessInfo.processInfo.environment
        let dump = try StockTools.swiftdump(["-r", file, "fidelity_values"], environment: open)
        #expect(dump.status == 0, "\(dump.standardErrorText)")
        #expect(Self.mode(file) == 0o600, "-r FILE: \(String(Self.mode(file), radix: 8))")
        let dir = try StockTools.swiftdump(["--format=dir", "-o", directory, "fidelity_values"])
        #expect(dir.status == 0, "\(dir.standardErrorText)")
        #expect(Self.mode(directory) == 0o700)
        #expect(Self.mode(directory + "/fidelity_values") == 0o700)
        #expect(Self.mode(directory + "/manifest.json") == 0o600)
        for case let name as String in FileManager.default.enumerator(atPath: directory) ?? FileManager.DirectoryEnumerator() {
            let expected: mode_t = name.hasSuffix(".sql") || name.hasSuffix(".json") ? 0o600 : 0o700
            #expect(Self.mode(directory + "/" + name) == expected, "\(name): \(String(Self.mode(directory + "/" + name), radix: 8))")
        }
        try? FileManager.default.removeItem(atPath: file)
        try? FileManager.default.removeItem(atPath: directory)
        // Asked for: group and others may read (as far as the process's umask allows).
        let previous = umask(0o022)
        defer { umask(previous) }
        let shared = try StockTools.swiftdump(["--umask=022", "-r", file, "fidelity_values"])
        #expect(shared.status == 0, "\(shared.standardErrorText)")
        #expect(Self.mode(file) == 0o644)
        let sharedDirectory = try StockTools.swiftdump(["--umask=027", "--format=dir", "-o", directory, "fidelity_values"])
        #expect(sharedDirectory.status == 0, "\(sharedDirectory.standardErrorText)")
        #expect(Self.mode(directory) == 0o750)
        #expect(Self.mode(directory + "/manifest.json") == 0o640)
        let refused = try StockTools.swiftdump(["--umask=9", "-r", file, "fidelity_values"])
        #expect(refused.status == 1, "a mask that is not octal is a usage error")
    }

    // MARK: TLS

    @Test("--ssl against a server without TLS is an error (exit 2), over TCP and over the socket; over TCP TLS is required unless --skip-ssl")
    func neverPlaintext() throws {
        let server = try ScratchServer(tls: .off)
        defer { server.stop() }
        try #require(server.mysql(input: Array("CREATE DATABASE plain; CREATE TABLE plain.t (id INT PRIMARY KEY); INSERT INTO plain.t VALUES (1);".utf8)).status == 0)
        let explicitTCP = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.tcpArguments + ["--ssl", "plain"])
        #expect(explicitTCP.status == 2, "\(explicitTCP.standardErrorText)")
        #expect(explicitTCP.standardErrorText.contains("not encrypted") || explicitTCP.standardErrorText.contains("SSL"), "\(explicitTCP.standardErrorText)")
        #expect(explicitTCP.standardOutput.isEmpty, "nothing dumped")
        let explicitSocket = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.socketArguments + ["--ssl", "plain"])
        #expect(explicitSocket.status == 2, "\(explicitSocket.standardErrorText)")
        let byDefault = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.tcpArguments + ["plain"])
        #expect(byDefault.status == 2, "TCP requires TLS by default: \(byDefault.standardErrorText)")
        let skipped = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.tcpArguments + ["--skip-ssl", "plain"])
        #expect(skipped.status == 0, "--skip-ssl: \(skipped.standardErrorText)")
        #expect(skipped.standardOutputText.contains("INSERT INTO `t` VALUES\n(1);"))
        let socketByDefault = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.socketArguments + ["plain"])
        #expect(socketByDefault.status == 0, "the local socket needs no TLS: \(socketByDefault.standardErrorText)")

        // The same rules in swiftrestore.
        let dump = skipped.standardOutput
        let restoreTCP = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), server.tcpArguments + ["--database", "copy", "-"], input: dump)
        #expect(restoreTCP.status == 2, "\(restoreTCP.standardErrorText)")
        let restoreSocket = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), server.socketArguments + ["--ssl", "--database", "copy", "-"], input: dump)
        #expect(restoreSocket.status == 2, "\(restoreSocket.standardErrorText)")
        #expect(try server.connect().query("SHOW DATABASES LIKE 'copy'").rows.isEmpty, "nothing applied")
        let restoreSkipped = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"), server.tcpArguments + ["--skip-ssl", "--database", "copy", "-"], input: dump)
        #expect(restoreSkipped.status == 0, "\(restoreSkipped.standardErrorText)")
    }

    @Test("TCP connections are encrypted by default; --ssl-verify-server-cert checks the chain and the host name")
    func verification() throws {
        let server = try ScratchServer()
        defer { server.stop() }
        let other = try ScratchServer(tls: .certificate(names: "DNS:other.example"))
        defer { other.stop() }
        for scratch in [server, other] {
            try #require(scratch.mysql(input: Array("CREATE DATABASE tls; CREATE TABLE tls.t (id INT PRIMARY KEY);".utf8)).status == 0)
        }
        let rightCA = try #require(server.certificateAuthority)
        let encrypted = try ProcessRunner.run(RepositoryPaths.product("swiftdump"), server.tcpArguments + ["-v", "tls"])
        #expect(encrypted.status == 0, "\(encrypted.standardErrorText)")
        #expect(encrypted.standardErrorText.contains("over TLS"), "-v says the connection is encrypted: \(encrypted.standardErrorText)")
        func dump(_ scratch: ScratchServer, _ tls: [String]) throws -> ProcessRunner.Outcome {
            try ProcessRunner.run(RepositoryPaths.product("swiftdump"), scratch.tcpArguments + tls + ["tls"])
        }
        #expect(try dump(server, ["--ssl-ca=\(rightCA)", "--ssl-verify-server-cert"]).status == 0, "the right CA and host name")
        let wrongCA = try dump(server, ["--ssl-ca=/etc/ssl/certs/ca-certificates.crt", "--ssl-verify-server-cert"])
        #expect(wrongCA.status == 2, "a CA that did not sign the certificate: \(wrongCA.standardErrorText)")
        #expect(try dump(server, ["--ssl-ca=/etc/ssl/certs/ca-certificates.crt"]).status == 2, "--ssl-ca alone verifies the chain too")
        let wrongHost = try dump(other, ["--ssl-ca=\(try #require(other.certificateAuthority))", "--ssl-verify-server-cert"])
        #expect(wrongHost.status == 2, "a certificate for another host name: \(wrongHost.standardErrorText)")
        #expect(try dump(other, ["--ssl-ca=\(try #require(other.certificateAuthority))"]).status == 0,
                "without --ssl-verify-server-cert the host name is not checked (the chain is)")
        let restoreWrongCA = try ProcessRunner.run(RepositoryPaths.product("swiftrestore"),
                                                   server.tcpArguments + ["--ssl-ca=/etc/ssl/certs/ca-certificates.crt", "--ssl-verify-server-cert", "--database", "x", "-"],
                                                   input: Array("SELECT 1;\n-- Dump completed\n".utf8))
        #expect(restoreWrongCA.status == 2, "\(restoreWrongCA.standardErrorText)")
    }
}
