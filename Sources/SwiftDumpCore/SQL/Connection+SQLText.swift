import MariaDBClient

/// The engine's statements go to the server as the bytes ``SQLText`` built.
extension Connection {
    @discardableResult
    func execute(_ sql: SQLText) throws -> UInt64 { try execute(bytes: sql.bytes) }

    func query(_ sql: SQLText) throws -> QueryResult { try query(bytes: sql.bytes) }

    @discardableResult
    func stream<Handler: RowHandler & ~Copyable>(_ sql: SQLText, into handler: inout Handler) throws -> UInt64 {
        try stream(bytes: sql.bytes, into: &handler)
    }

    func selectDatabase(_ database: SQLName) throws { try selectDatabase(bytes: database.bytes) }
}

extension ResultRow {
    /// The value as a name (its bytes), or nil for NULL.
    func name(_ column: Int) -> SQLName? { self[column].map { SQLName(bytes: $0) } }
}
