import Foundation
import MariaDBClient

/// The options every command that connects shares with the mysql client: option files, host,
/// user, password, TLS and the protocol settings. One table and one interpretation, so
/// `swiftdump` and `swiftrestore` read `-h`, `-u`, `-p`, `--ssl-ca`... the same way.
enum ClientOptionTable {
    static let connectionGroup = "Connection"
    static let optionFilesGroup = "Option files (given first)"

    static let definitions: [OptionDefinition] = [
        // Option files: read before the rest; see OptionFiles.
        OptionDefinition("no-defaults", group: optionFilesGroup, help: "Read no option files."),
        OptionDefinition("defaults-file", argument: .required(valueName: "FILE"), group: optionFilesGroup, help: "Read options from FILE only."),
        OptionDefinition("defaults-extra-file", argument: .required(valueName: "FILE"), group: optionFilesGroup, help: "Read FILE after the global option files."),
        OptionDefinition("defaults-group-suffix", argument: .required(valueName: "SUFFIX"), group: optionFilesGroup, help: "Also read the groups with SUFFIX appended."),

        OptionDefinition("host", short: "h", argument: .required(valueName: "name"), group: connectionGroup, help: "Connect to host."),
        OptionDefinition("port", short: "P", argument: .required(valueName: "#"), group: connectionGroup, help: "Port number to use for connection.", default: "0 (3306)"),
        OptionDefinition("socket", short: "S", argument: .required(valueName: "name"), group: connectionGroup, help: "The socket file to use for connection."),
        OptionDefinition("protocol", argument: .required(valueName: "name"), group: connectionGroup, help: "The protocol to use for connection (tcp, socket)."),
        OptionDefinition("user", short: "u", argument: .required(valueName: "name"), group: connectionGroup, help: "User for login if not current user."),
        OptionDefinition("password", short: "p", argument: .optional(valueName: "name"), group: connectionGroup, help: "Password to use when connecting to server. If password is not given it's solicited on the tty.", secret: true),
        OptionDefinition("compress", short: "C", group: connectionGroup, help: "Use compression in server/client protocol.", default: "FALSE"),
        OptionDefinition("default-character-set", argument: .required(valueName: "name"), group: connectionGroup, help: "Set the default character set.", default: "utf8mb4"),
        OptionDefinition("max-allowed-packet", argument: .required(valueName: "#"), group: connectionGroup, help: "The maximum packet length to send to or receive from server.", default: "25165824"),
        OptionDefinition("net-buffer-length", argument: .required(valueName: "#"), group: connectionGroup, help: "The buffer size for TCP/IP and socket communication; also the size at which extended INSERTs are split.", default: "1046528"),
        OptionDefinition("connect-timeout", argument: .required(valueName: "#"), group: connectionGroup, help: "Seconds to wait for the connection.", default: "10"),
        OptionDefinition("ssl", group: connectionGroup, help: "Require TLS: a server without it is an error, never a plaintext connection. On by default over TCP; --skip-ssl allows plaintext.", default: "TRUE over TCP"),
        OptionDefinition("ssl-ca", argument: .required(valueName: "name"), group: connectionGroup, help: "CA file in PEM format (implies --ssl)."),
        OptionDefinition("ssl-capath", argument: .required(valueName: "name"), group: connectionGroup, help: "CA directory (implies --ssl)."),
        OptionDefinition("ssl-cert", argument: .required(valueName: "name"), group: connectionGroup, help: "X509 cert in PEM format (implies --ssl)."),
        OptionDefinition("ssl-key", argument: .required(valueName: "name"), group: connectionGroup, help: "X509 key in PEM format (implies --ssl)."),
        OptionDefinition("ssl-cipher", argument: .required(valueName: "name"), group: connectionGroup, help: "SSL cipher to use (implies --ssl)."),
        OptionDefinition("ssl-crl", argument: .required(valueName: "name"), group: connectionGroup, help: "Certificate revocation list (implies --ssl)."),
        OptionDefinition("ssl-crlpath", argument: .required(valueName: "name"), group: connectionGroup, help: "Certificate revocation list path (implies --ssl)."),
        OptionDefinition("ssl-verify-server-cert", group: connectionGroup, help: "Verify server's \"Common Name\" in its cert against hostname used when connecting.", default: "FALSE"),

    ]

    /// The names this table defines.
    static let names: Set<String> = Set(definitions.map(\.name))
}

/// What the client options resolve to.
struct ClientSettings: Sendable {
    var connection = ConnectionOptions()
    /// `--ssl` or `--skip-ssl` as given (nil: neither): TLS is required over TCP unless skipped.
    var explicitTLS: Bool?
    /// `-p` without a value: ask on the terminal.
    var promptForPassword = false
    var characterSet = "utf8mb4"
    var maxAllowedPacket: UInt = 25_165_824
    var netBufferLength = 1_046_528

    /// Applies one parsed client option; false if `option` is not one of ``ClientOptionTable``'s.
    mutating func apply(_ option: ParsedOption) throws(DumpError) -> Bool {
        let on = option.isOn
        let text = option.text
        switch option.name {
        case "host": connection.host = text
        case "port": connection.port = UInt32(try DumpOptions.number(text, option.name, maximum: 65535))
        case "socket": connection.socket = text
        case "protocol":
            switch text?.lowercased() {
            case "tcp": connection.transport = .tcp
            case "socket": connection.transport = .socket
            default: throw .usage("Unknown or unsupported protocol: \(text ?? "")")
            }
        case "user": connection.user = text
        case "password":
            if let text {
                connection.password = text
                promptForPassword = false
            } else {
                promptForPassword = true
            }
        case "compress": connection.compress = on
        case "default-character-set": characterSet = text ?? characterSet
        case "max-allowed-packet": maxAllowedPacket = UInt(try DumpOptions.number(text, option.name, maximum: 1 << 30))
        case "net-buffer-length": netBufferLength = try DumpOptions.number(text, option.name, maximum: 16 << 20)
        case "connect-timeout": connection.connectTimeout = UInt32(try DumpOptions.number(text, option.name, maximum: 31_536_000))
        case "ssl": explicitTLS = on
        case "ssl-ca": connection.tls.certificateAuthority = text
        case "ssl-capath": connection.tls.certificateAuthorityPath = text
        case "ssl-cert": connection.tls.certificate = text
        case "ssl-key": connection.tls.key = text
        case "ssl-cipher": connection.tls.cipher = text
        case "ssl-crl": connection.tls.certificateRevocationList = text
        case "ssl-crlpath": connection.tls.certificateRevocationListPath = text
        case "ssl-verify-server-cert": connection.tls.verifyServerCertificate = on
        case "no-defaults", "defaults-file", "defaults-extra-file", "defaults-group-suffix":
            break  // read before the command line (OptionFiles)
        default:
            return false
        }
        return true
    }

    /// The password from MYSQL_PWD or the terminal, and the protocol settings, as the
    /// connection needs them. Throws when -p cannot ask.
    mutating func finish() throws(DumpError) {
        if connection.password == nil && !promptForPassword, let password = System.environment("MYSQL_PWD") {
            connection.password = password
        }
        if promptForPassword {
            guard let password = PasswordPrompt.read() else { throw .usage("-p needs a terminal to ask for the password on") }
            connection.password = password
        }
        connection.characterSet = characterSet
        connection.maxAllowedPacket = maxAllowedPacket
        connection.netBufferLength = UInt(netBufferLength)
        switch explicitTLS {
        case false?:
            // --skip-ssl: the only way to a plaintext connection over TCP.
            connection.tls = ConnectionOptions.TLS()
        case true?:
            connection.tls.enabled = true
        case nil:
            connection.tls.enabled = connection.tls.enabled || usesTCP
        }
    }

    /// The connection goes over TCP: asked for, or a host other than localhost (libmariadb
    /// takes the unix socket for localhost and for no host).
    var usesTCP: Bool {
        switch connection.transport {
        case .tcp: true
        case .socket: false
        case .automatic: connection.host != nil && connection.host != "localhost"
        }
    }
}
