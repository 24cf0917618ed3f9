/// A small result read entirely into memory: catalog queries, `SHOW CREATE`, variables.
/// Never for table data, which goes through ``Connection/stream(_:into:)``.
public struct QueryResult: Sendable {
    public let columns: [Column]
    public let rows: [ResultRow]

    /// The index of the column called `name` (case-insensitive, as the server compares them).
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex { $0.name.lowercased() == name.lowercased() }
    }
}

/// A row of a ``QueryResult``: each value as bytes, or nil for NULL.
public struct ResultRow: Sendable, Hashable {
    public let values: [[UInt8]?]

    public init(values: [[UInt8]?]) { self.values = values }

    public subscript(column: Int) -> [UInt8]? { values[column] }

    /// The value decoded as UTF-8, or nil for NULL.
    public func string(_ column: Int) -> String? {
        values[column].map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Collects a stream into a ``QueryResult``.
struct QueryResultCollector: RowHandler {
    var columns: [Column] = []
    var rows: [ResultRow] = []

    mutating func start(columns: [Column]) { self.columns = columns }

    mutating func handle(_ row: borrowing Row) {
        var values: [[UInt8]?] = []
        values.reserveCapacity(row.count)
        for column in 0..<row.count { values.append(row.bytes(column)) }
        rows.append(ResultRow(values: values))
    }
}

/// Adapts a closure to ``RowHandler`` for callers that need no columns or state of their own.
struct ClosureRowHandler: RowHandler {
    let body: (borrowing Row) throws -> Void
    mutating func start(columns: [Column]) {}
    mutating func handle(_ row: borrowing Row) throws { try body(row) }
}
