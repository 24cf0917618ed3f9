import CMariaDB

/// One open connection to a MariaDB or MySQL server; owns its `MYSQL*` and closes it in `deinit`.
///
/// Every call blocks in libmariadb until the server answers, so a `Connection` belongs to one
/// thread at a time — normally the thread of a ``ConnectionThread`` (see ``DedicatedConnection``),
/// never a thread of Swift's cooperative pool. It is not `Sendable`.
public final class Connection {
    private let handle: UnsafeMutablePointer<MYSQL>
    /// Kept only to scrub it out of error messages.
    private let password: String?

    /// Connects, reading option files first if `options.optionFiles` asks for them.
    public init(_ options: ConnectionOptions) throws {
        MariaDBLibrary.ensureInitialized()
        guard let handle = mysql_init(nil) else {
            throw MariaDBError(code: UInt32(CR_OUT_OF_MEMORY), sqlState: "HY000", message: "mysql_init: out of memory")
        }
        self.handle = handle
        self.password = options.password
        // From here on a throw runs `deinit` (every stored property is set), which closes the
        // handle: no mysql_close on the error paths.
        try Self.apply(options, to: handle)
        let connected = withOptionalCString(options.host) { host in
            withOptionalCString(options.user) { user in
                withOptionalCString(options.password) { password in
                    withOptionalCString(options.database) { database in
                        withOptionalCString(options.socket) { socket in
                            mysql_real_connect(handle, host, user, password, database, options.port, socket, 0)
                        }
                    }
                }
            }
        }
        if connected == nil { throw Self.error(of: handle, scrubbing: options.password) }
        // TLS that was asked for is there, or the connection is refused: never plaintext.
        if options.tls.isRequested && mysql_get_ssl_cipher(handle) == nil {
            throw MariaDBError(code: UInt32(CR_SSL_CONNECTION_ERROR), sqlState: "HY000",
                               message: "TLS was required but the connection to \(options) is not encrypted (the server does not offer TLS); refusing to go on in plaintext")
        }
    }

    /// The TLS cipher of the connection, or nil when it is not encrypted.
    public var tlsCipher: String? { mysql_get_ssl_cipher(handle).map { String(cString: $0) } }

    deinit { mysql_close(handle) }

    // MARK: Statements

    /// Runs a statement and returns the number of affected rows; a result set, if the statement
    /// produces one, is read and discarded.
    @discardableResult
    public func execute(_ sql: String) throws -> UInt64 {
        try send(sql)
        try discardResult()
        let affected = mysql_affected_rows(handle)
        try discardRemainingResults()
        return affected == UInt64.max ? 0 : affected
    }

    /// Runs a statement given as bytes (SQL text is built and read as bytes, never as
    /// Strings); returns the number of affected rows. A result set, if any, is read and discarded.
    @discardableResult
    public func execute(bytes sql: UnsafeRawBufferPointer) throws -> UInt64 {
        try send(bytes: sql)
        try discardResult()
        let affected = mysql_affected_rows(handle)
        try discardRemainingResults()
        return affected == UInt64.max ? 0 : affected
    }

    @discardableResult
    public func execute(bytes sql: [UInt8]) throws -> UInt64 {
        try sql.withUnsafeBytes { try execute(bytes: $0) }
    }

    /// Makes `database` (its bytes) the default database (`USE`), without a statement to parse.
    public func selectDatabase(bytes database: [UInt8]) throws {
        let terminated = database.map { CChar(bitPattern: $0) } + [0]
        if mysql_select_db(handle, terminated) != 0 { throw currentError() }
    }

    /// Runs a query and reads its whole (small) result into memory.
    public func query(_ sql: String) throws -> QueryResult {
        try query(bytes: Array(sql.utf8))
    }

    public func query(bytes sql: [UInt8]) throws -> QueryResult {
        var collector = QueryResultCollector()
        try stream(bytes: sql, into: &collector)
        return QueryResult(columns: collector.columns, rows: collector.rows)
    }

    /// Runs a query and streams its rows to `handler` as they arrive (`mysql_use_result`):
    /// memory stays flat however large the result. Returns the number of rows.
    ///
    /// While the stream runs the connection can do nothing else. If `handler` throws, the rest
    /// of the result is read and dropped (libmariadb offers no other way to end it) and the
    /// handler's error is rethrown.
    @discardableResult
    public func stream<Handler: RowHandler & ~Copyable>(_ sql: String, into handler: inout Handler) throws -> UInt64 {
        try stream(bytes: Array(sql.utf8), into: &handler)
    }

    @discardableResult
    public func stream<Handler: RowHandler & ~Copyable>(bytes sql: [UInt8], into handler: inout Handler) throws -> UInt64 {
        try sql.withUnsafeBytes { try send(bytes: $0) }
        guard let result = mysql_use_result(handle) else {
            if mysql_field_count(handle) != 0 { throw currentError() }
            try handler.start(columns: [])
            try discardRemainingResults()
            return 0
        }
        var rowCount: UInt64 = 0
        do {
            defer { mysql_free_result(result) }
            let columnCount = Int(mysql_num_fields(result))
            let fields = mysql_fetch_fields(result)!
            try handler.start(columns: (0..<columnCount).map { Column(fields[$0]) })
            while let values = mysql_fetch_row(result) {
                let row = Row(values: values, lengths: mysql_fetch_lengths(result)!, count: columnCount)
                try handler.handle(row)
                rowCount += 1
            }
            // mysql_fetch_row also returns NULL when the connection fails mid-result.
            if mysql_errno(handle) != 0 { throw currentError() }
        }
        try discardRemainingResults()
        return rowCount
    }

    /// Streams rows to a closure; see ``stream(_:into:)``.
    @discardableResult
    public func forEachRow(_ sql: String, _ body: (borrowing Row) throws -> Void) throws -> UInt64 {
        try withoutActuallyEscaping(body) { body in
            var handler = ClosureRowHandler(body: body)
            return try stream(sql, into: &handler)
        }
    }

    // MARK: Facts about the session

    /// The server's version as a number, e.g. 101119 for 10.11.19.
    public var serverVersion: Int { Int(mysql_get_server_version(handle)) }

    /// The server's version string, e.g. "10.11.19-MariaDB-0+deb12u1-log".
    public var serverInfo: String { String(cString: mysql_get_server_info(handle)) }

    /// True when the server is MariaDB (rather than MySQL).
    public var isMariaDB: Bool { mariadb_connection(handle) != 0 }

    /// The server-side connection id (`CONNECTION_ID()`), the target of `KILL`.
    public var connectionID: UInt { UInt(mysql_thread_id(handle)) }

    /// How the connection reached the server, e.g. "Localhost via UNIX socket".
    public var hostInfo: String { String(cString: mysql_get_host_info(handle)) }

    /// The connection's character set name, e.g. "utf8mb4".
    public var characterSetName: String { String(cString: mysql_character_set_name(handle)) }

    // MARK: libmariadb plumbing

    private func send(_ sql: String) throws {
        var sql = sql
        try sql.withUTF8 { try send(bytes: UnsafeRawBufferPointer($0)) }
    }

    private func send(bytes sql: UnsafeRawBufferPointer) throws {
        if mysql_real_query(handle, sql.baseAddress?.assumingMemoryBound(to: CChar.self), UInt(sql.count)) != 0 { throw currentError() }
    }

    /// Reads and drops the current result, if the statement produced a result set.
    private func discardResult() throws {
        if let result = mysql_store_result(handle) {
            mysql_free_result(result)
        } else if mysql_field_count(handle) != 0 {
            throw currentError()
        }
    }

    /// Reads and drops the results after the first (a `CALL` returns one per SELECT plus a
    /// status), so the connection is ready for the next statement.
    private func discardRemainingResults() throws {
        while mysql_more_results(handle) != 0 {
            let status = mysql_next_result(handle)
            if status > 0 { throw currentError() }
            if status < 0 { return }
            try discardResult()
        }
    }

    private func currentError() -> MariaDBError { Self.error(of: handle, scrubbing: password) }

    private static func error(of handle: UnsafeMutablePointer<MYSQL>, scrubbing password: String?) -> MariaDBError {
        MariaDBError(
            code: mysql_errno(handle),
            sqlState: String(cString: mysql_sqlstate(handle)),
            message: MariaDBError.scrubbing(String(cString: mysql_error(handle)), of: password)
        )
    }

    private static func apply(_ options: ConnectionOptions, to handle: UnsafeMutablePointer<MYSQL>) throws {
        func set(_ option: mysql_option, _ value: UnsafeRawPointer?) throws {
            if mysql_options(handle, option, value) != 0 {
                throw MariaDBError(code: UInt32(CR_UNKNOWN_ERROR), sqlState: "HY000", message: "cannot set connection option \(option.rawValue)")
            }
        }
        func set(_ option: mysql_option, _ value: String?) throws {
            guard let value else { return }
            try value.withCString { try set(option, $0) }
        }
        func set(_ option: mysql_option, _ value: UInt32) throws {
            var value = value
            try set(option, &value)
        }
        func set(_ option: mysql_option, _ value: UInt) throws {
            var value = value
            try set(option, &value)
        }
        func set(_ option: mysql_option, _ value: Bool) throws {
            var flag: my_bool = value ? 1 : 0
            try set(option, &flag)
        }

        switch options.optionFiles {
        case .none:
            break
        case .defaults(let group):
            try set(MYSQL_READ_DEFAULT_GROUP, group)
        case .file(let path, let group):
            try set(MYSQL_READ_DEFAULT_FILE, path)
            try set(MYSQL_READ_DEFAULT_GROUP, group)
        }
        switch options.transport {
        case .automatic: break
        case .tcp: try set(MYSQL_OPT_PROTOCOL, UInt32(MYSQL_PROTOCOL_TCP.rawValue))
        case .socket: try set(MYSQL_OPT_PROTOCOL, UInt32(MYSQL_PROTOCOL_SOCKET.rawValue))
        }
        try set(MYSQL_SET_CHARSET_NAME, options.characterSet)
        try set(MYSQL_OPT_CONNECT_TIMEOUT, options.connectTimeout)
        if options.readTimeout > 0 { try set(MYSQL_OPT_READ_TIMEOUT, options.readTimeout) }
        if options.writeTimeout > 0 { try set(MYSQL_OPT_WRITE_TIMEOUT, options.writeTimeout) }
        if options.compress { try set(MYSQL_OPT_COMPRESS, nil as UnsafeRawPointer?) }
        if let size = options.maxAllowedPacket { try set(MYSQL_OPT_MAX_ALLOWED_PACKET, size) }
        if let size = options.netBufferLength { try set(MYSQL_OPT_NET_BUFFER_LENGTH, size) }
        for command in options.initCommands { try set(MYSQL_INIT_COMMAND, command) }

        let tls = options.tls
        if tls.isRequested {
            try set(MYSQL_OPT_SSL_ENFORCE, true)
            try set(MYSQL_OPT_SSL_CA, tls.certificateAuthority)
            try set(MYSQL_OPT_SSL_CAPATH, tls.certificateAuthorityPath)
            try set(MYSQL_OPT_SSL_CERT, tls.certificate)
            try set(MYSQL_OPT_SSL_KEY, tls.key)
            try set(MYSQL_OPT_SSL_CIPHER, tls.cipher)
            try set(MYSQL_OPT_SSL_CRL, tls.certificateRevocationList)
            try set(MYSQL_OPT_SSL_CRLPATH, tls.certificateRevocationListPath)
        }
        // Connector/C 3.3 verifies by default once TLS is on; say explicitly what was asked.
        if tls.isRequested { try set(MYSQL_OPT_SSL_VERIFY_SERVER_CERT, tls.verifyServerCertificate) }
    }
}

/// Calls `body` with a C string for `value`, or with NULL when it is nil.
private func withOptionalCString<Result>(_ value: String?, _ body: (UnsafePointer<CChar>?) throws -> Result) rethrows -> Result {
    guard let value else { return try body(nil) }
    return try value.withCString(body)
}

@available(*, unavailable, message: "a Connection blocks its caller and belongs to one thread at a time (hand it over through a DedicatedConnection)")
extension Connection: Sendable {}
