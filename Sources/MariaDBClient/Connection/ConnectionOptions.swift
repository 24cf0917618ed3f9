/// Everything needed to open a connection, as mysqldump's `[client]` options name it.
///
/// Explicit values win over option files: libmariadb applies `host`, `user`, `password`,
/// `port`, `socket` and `database` given here after it has read the files, and falls back to the
/// files' values for those left `nil`. For the other settings the files are read last (inside
/// `mysql_real_connect`), so a value in a file overrides one given here; callers that need
/// command-line precedence over files read the files themselves.
public struct ConnectionOptions: Sendable {
    public enum Transport: Sendable, Equatable {
        /// libmariadb decides: a unix socket for `localhost` or no host, TCP otherwise.
        case automatic
        case tcp
        case socket
    }

    /// Which option files libmariadb reads while connecting.
    public enum OptionFiles: Sendable, Equatable {
        /// None at all (`--no-defaults`).
        case none
        /// The default locations (/etc/my.cnf, /etc/mysql/my.cnf, ~/.my.cnf, with their
        /// `!include`s), groups `[client]`, `[client-server]`, `[client-mariadb]` and `group`.
        case defaults(group: String)
        /// One file (`--defaults-file`), the same groups.
        case file(path: String, group: String)
    }

    /// TLS settings, named as the `--ssl-*` options. TLS is used — and then required: a server
    /// that does not offer it is an error, never a plaintext connection — when `enabled` or
    /// any file is set.
    public struct TLS: Sendable, Equatable {
        public var enabled = false
        public var certificateAuthority: String?
        public var certificateAuthorityPath: String?
        public var certificate: String?
        public var key: String?
        public var cipher: String?
        public var certificateRevocationList: String?
        public var certificateRevocationListPath: String?
        public var verifyServerCertificate = false

        public init() {}

        public var isRequested: Bool {
            enabled || verifyServerCertificate || certificateAuthority != nil
                || certificateAuthorityPath != nil || certificate != nil || key != nil
                || cipher != nil
        }
    }

    public var host: String?
    public var port: UInt32 = 0
    public var socket: String?
    public var user: String?
    public var password: String?
    public var database: String?
    public var transport: Transport = .automatic
    /// The connection character set (`--default-character-set`).
    public var characterSet: String = "utf8mb4"
    /// Seconds to wait for the TCP connection and the server's greeting.
    public var connectTimeout: UInt32 = 10
    /// Seconds a single read or write may block; 0 leaves libmariadb's default.
    public var readTimeout: UInt32 = 0
    public var writeTimeout: UInt32 = 0
    /// Protocol compression (`-C/--compress`).
    public var compress = false
    public var maxAllowedPacket: UInt?
    public var netBufferLength: UInt?
    public var tls = TLS()
    public var optionFiles: OptionFiles = .none
    /// Statements run right after connecting (and only then).
    public var initCommands: [String] = []

    public init() {}
}

extension ConnectionOptions: CustomStringConvertible {
    /// Where and as whom, never the password.
    public var description: String {
        let place: String
        if let socket, transport != .tcp, host == nil || host == "localhost" {
            place = "socket \(socket)"
        } else {
            place = "\(host ?? "localhost"):\(port == 0 ? 3306 : port)"
        }
        let password = self.password == nil ? "no" : "yes"
        return "\(user ?? "(default user)")@\(place) (using password: \(password))"
    }
}
