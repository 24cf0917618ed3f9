/// Rows built in memory rather than read from a server, laid out as libmariadb lays out
/// `MYSQL_ROW` and its lengths, so the formatter can be measured on its own (Benchmarks/).
@_spi(Benchmarks)
public final class SyntheticRows {
    private let columnCount: Int
    private let storage: [UnsafeMutablePointer<CChar>?]
    private let lengths: [UInt]
    private let rowCount: Int

    /// `rows[i][j]` is the value of column `j` in row `i`, nil for NULL.
    public init(_ rows: [[[UInt8]?]]) {
        rowCount = rows.count
        columnCount = rows.first?.count ?? 0
        var storage: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [UInt] = []
        for row in rows {
            precondition(row.count == columnCount, "every row needs the same number of columns")
            for value in row {
                guard let value else {
                    storage.append(nil)
                    lengths.append(0)
                    continue
                }
                let copy = UnsafeMutablePointer<CChar>.allocate(capacity: value.count + 1)
                for (index, byte) in value.enumerated() { copy[index] = CChar(bitPattern: byte) }
                copy[value.count] = 0
                storage.append(copy)
                lengths.append(UInt(value.count))
            }
        }
        self.storage = storage
        self.lengths = lengths
    }

    deinit { for pointer in storage { pointer?.deallocate() } }

    /// Hands every row to `handler`, as ``Connection/stream(_:into:)`` does.
    public func stream<Handler: RowHandler & ~Copyable>(columns: [Column], into handler: inout Handler) throws {
        try handler.start(columns: columns)
        var values = storage
        var sizes = lengths
        try values.withUnsafeMutableBufferPointer { values in
            try sizes.withUnsafeMutableBufferPointer { sizes in
                for row in 0..<rowCount {
                    let base = row * columnCount
                    try handler.handle(Row(values: values.baseAddress! + base, lengths: sizes.baseAddress! + base, count: columnCount))
                }
            }
        }
    }
}
