import Foundation
import MariaDBClient
import Testing
import TestSupport

@Suite("Connecting")
struct ConnectTests {
    @Test("connects over the unix socket")
    func socket() throws {
        let connection = try TestServer.connect()
        #expect(connection.hostInfo.contains("socket"))
        #expect(connection.isMariaDB)
        #expect(connection.serverVersion >= 100_400)
        let result = try connection.query("SELECT @@socket, CONNECTION_ID()")
        #expect(result.rows[0].string(0) == (try TestServer.endpoint()).socket)
        #expect(result.rows[0].string(1) == String(connection.connectionID))
    }

    @Test("connects over TCP to 127.0.0.1 and the given port")
    func tcp() throws {
        let connection = try Connection(TestServer.tcpOptions())
        #expect(connection.hostInfo.contains("TCP/IP"))
        let result = try connection.query("SELECT @@port, CURRENT_USER()")
        #expect(result.rows[0].string(0) == String((try TestServer.endpoint()).port))
        #expect(result.rows[0].string(1) == "root@127.0.0.1")
    }

    @Test("a wrong password fails with 1045 and the password appears nowhere in the error")
    func wrongPassword() throws {
        let password = "Wr0ng-Secret-\(UInt32.random(in: 0..<UInt32.max))"
        for var options in [try TestServer.socketOptions(), try TestServer.tcpOptions()] {
            options.password = password
            let error = try #require(throws: MariaDBError.self) { try Connection(options) }
            #expect(error.code == MariaDBError.accessDenied)
            #expect(error.sqlState == "28000")
            #expect(error.message.contains("using password: YES"))
            #expect(!error.description.contains(password))
            #expect(!String(reflecting: error).contains(password))
            #expect(!options.description.contains(password))
        }
    }

    @Test("a password echoed back by the server in an error message is scrubbed")
    func passwordInServerMessage() throws {
        let admin = try TestServer.connect()
        let password = "Echo-Secret-\(UInt32.random(in: 0..<UInt32.max))"
        let user = "pw_\(UInt32.random(in: 0..<UInt32.max))"
        try admin.execute("CREATE USER '\(user)'@'localhost' IDENTIFIED BY '\(password)'")
        defer { _ = try? admin.execute("DROP USER '\(user)'@'localhost'") }
        var options = try TestServer.socketOptions()
        options.user = user
        options.password = password
        let connection = try Connection(options)
        #expect(try connection.query("SELECT CURRENT_USER()").rows[0].string(0) == "\(user)@localhost")
        // The parser quotes the text after the error point, password included.
        let error = try #require(throws: MariaDBError.self) {
            try connection.execute("SELECT garbage garbage '\(password)'")
        }
        #expect(error.code == MariaDBError.parseError)
        #expect(!error.description.contains(password))
        #expect(error.message.contains("***"))
    }

    @Test("a host that accepts TCP but never greets fails within the connect timeout")
    func unresponsiveHost() throws {
        let listener = try SilentListener()
        var options = ConnectionOptions()
        options.host = "127.0.0.1"
        options.port = listener.port
        options.user = "root"
        options.transport = .tcp
        options.connectTimeout = 2
        let started = ContinuousClock.now
        let error = try #require(throws: MariaDBError.self) { try Connection(options) }
        let elapsed = ContinuousClock.now - started
        #expect(error.isClientError, "expected a client error, got \(error)")
        // The bound under test is the timeout itself (2 s), with slack for a loaded machine.
        #expect(elapsed >= .milliseconds(1500))
        #expect(elapsed < .seconds(15))
    }

    @Test("a port nobody listens on fails at once with a client error naming the host")
    func refused() throws {
        let listener = try SilentListener()
        let port = listener.port
        listener.close()
        var options = ConnectionOptions()
        options.host = "127.0.0.1"
        options.port = port
        options.transport = .tcp
        let error = try #require(throws: MariaDBError.self) { try Connection(options) }
        #expect([MariaDBError.connectionFailed, MariaDBError.hostConnectionFailed].contains(error.code), "got \(error)")
        #expect(error.message.contains("127.0.0.1"))
    }
}

/// A TCP socket on 127.0.0.1 that accepts connections (the kernel completes the handshake)
/// but never sends the server greeting: a host that hangs.
final class SilentListener {
    private var descriptor: Int32
    let port: UInt32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestServerError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ready else {
            _ = Glibc.close(descriptor)
            throw TestServerError("bind/listen on 127.0.0.1 failed")
        }
        self.descriptor = descriptor
        self.port = UInt32(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
