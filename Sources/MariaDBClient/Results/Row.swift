/// One row of a streamed result, lent to a ``RowHandler`` for the duration of one call.
///
/// The values are libmariadb's own buffer: nothing is copied or allocated per row or per value.
/// `Row` is non-copyable and handed out `borrowing`, so it cannot outlive the call that lends
/// it — the buffer is overwritten by the next fetch.
public struct Row: ~Copyable {
    // @usableFromInline and @inlinable below: the formatter calls these for every value, from
    // another module; inlined, a value costs no call and no closure context (Benchmarks/).
    @usableFromInline let values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    @usableFromInline let lengths: UnsafeMutablePointer<UInt>
    /// The number of columns.
    public let count: Int

    init(values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, lengths: UnsafeMutablePointer<UInt>, count: Int) {
        self.values = values
        self.lengths = lengths
        self.count = count
    }

    /// True for SQL NULL (distinct from the empty string and from the text 'NULL').
    @inlinable
    public func isNull(_ column: Int) -> Bool {
        precondition(column >= 0 && column < count, "column index out of range")
        return values[column] == nil
    }

    /// The value's length in bytes; 0 for NULL.
    @inlinable
    public func length(_ column: Int) -> Int {
        precondition(column >= 0 && column < count, "column index out of range")
        return Int(lengths[column])
    }

    /// Lends the value's bytes (empty for NULL and for ''; tell them apart with ``isNull(_:)``).
    /// Text columns arrive in the connection's character set; numbers and dates as ASCII text.
    @inlinable
    public func withBytes<Result>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        precondition(column >= 0 && column < count, "column index out of range")
        return try body(UnsafeRawBufferPointer(start: values[column], count: Int(lengths[column])))
    }

    /// A copy of the value, or nil for NULL. Allocates: for small results and tests, not the
    /// dump path.
    public func bytes(_ column: Int) -> [UInt8]? {
        isNull(column) ? nil : withBytes(column) { Array($0) }
    }

    /// The value decoded as UTF-8, or nil for NULL. Allocates, like ``bytes(_:)``.
    public func string(_ column: Int) -> String? {
        isNull(column) ? nil : withBytes(column) { String(decoding: $0, as: UTF8.self) }
    }
}

@available(*, unavailable, message: "a Row is only valid on the connection's thread, during the call that lends it")
extension Row: Sendable {}

/// Receives a streamed result: its columns once, then every row in order.
///
/// A handler runs on the connection's thread, synchronously with the network reads; it is
/// the place to format or hash rows without copying them.
public protocol RowHandler: ~Copyable {
    /// Called once, before the first row.
    mutating func start(columns: [Column]) throws
    /// Called for each row; throwing stops the stream and the error propagates.
    mutating func handle(_ row: borrowing Row) throws
}
