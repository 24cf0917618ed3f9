import MariaDBClient
import Testing
import TestSupport

@Suite("TLS")
struct TLSTests {
    func cipher(_ connection: Connection) throws -> String {
        try connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").rows[0].string(1) ?? ""
    }

    @Test("without TLS options a TCP connection is plain")
    func plainByDefault() throws {
        #expect(try cipher(Connection(TestServer.tcpOptions())) == "")
    }

    @Test("--ssl encrypts the connection")
    func encrypted() throws {
        var options = try TestServer.tcpOptions()
        options.tls.enabled = true
        #expect(try cipher(Connection(options)) != "")
    }

    @Test("verifying the server certificate against its CA succeeds")
    func verified() throws {
        var options = try TestServer.tcpOptions()
        options.tls.certificateAuthority = try TestServer.endpoint().tlsCertificateAuthority
        options.tls.verifyServerCertificate = true
        #expect(try cipher(Connection(options)) != "")
    }

    @Test("verifying against a CA that did not sign the certificate fails with a TLS error")
    func wrongAuthority() throws {
        var options = try TestServer.tcpOptions()
        options.tls.certificateAuthority = "/etc/ssl/certs/ca-certificates.crt"
        options.tls.verifyServerCertificate = true
        let error = try #require(throws: MariaDBError.self) { try Connection(options) }
        #expect(error.isClientError)
        #expect(error.code == 2026, "expected CR_SSL_CONNECTION_ERROR, got \(error)")
    }
}
