/// Joins a table's ``RowBatch``es, in row order, into INSERT statements, byte for byte as
/// mariadb-dump writes them: the writer's half of the hot path.
///
/// Extended INSERTs are split where mariadb-dump splits them: a row joins the current statement
/// while the statement's accounted length plus the row's stays below net_buffer_length. The
/// rule depends on every row before, so it runs here, over the whole table in order, never
/// inside a chunk: `--threads 8` and `--threads 1` give the same statements.
@_spi(Benchmarks)
public struct InsertJoiner {
    /// "INSERT INTO `t` VALUES\n", "INSERT INTO `t` (`a`, `b`) VALUES ", "INSERT INTO `t` VALUES (" ...
    private let statementStart: [UInt8]
    private let extended: Bool
    private let netBufferLength: Int
    /// The length mariadb-dump accounts to the statement being written.
    private var statementLength: Int
    private var statementOpen = false
    public private(set) var rowCount: UInt64 = 0

    public init(statementStart: [UInt8], extended: Bool, netBufferLength: Int) {
        self.statementStart = statementStart
        self.extended = extended
        self.netBufferLength = netBufferLength
        self.statementLength = netBufferLength
    }

    /// Writes the batch's rows; a run of rows that stays in one statement is written with one
    /// copy, since the batch already holds `,\n` after each row.
    public mutating func join(_ batch: borrowing RowBatch, to output: some ByteSink) throws {
        let bytes = batch.bytes
        let separator = RowBatch.separatorLength
        var offset = 0
        if !extended {
            for length in batch.rowLengths {
                let end = offset + Int(length) + separator
                try output.write(statementStart)
                try output.write(bytes.bytes(offset..<end))
                offset = end
            }
            rowCount += UInt64(batch.rowLengths.count)
            return
        }
        // Rows written from `pending` on, through the end of the last row seen.
        var pending = 0
        for length in batch.rowLengths {
            let accounted = Int(length) + 2
            if statementLength + accounted < netBufferLength {
                statementLength += accounted
                // The first row of a batch continues a statement begun in an earlier batch.
                if offset == 0 { try output.write(Self.rowSeparator) }
            } else {
                if offset > pending { try output.write(bytes.bytes(pending..<offset - separator)) }
                if statementOpen { try output.write(Self.statementEnd) }
                statementOpen = true
                try output.write(statementStart)
                pending = offset
                statementLength = accounted + statementStart.count + 4
            }
            offset += Int(length) + separator
        }
        if offset > pending { try output.write(bytes.bytes(pending..<offset - separator)) }
        rowCount += UInt64(batch.rowLengths.count)
    }

    /// Ends the last statement; call once after the table's last batch.
    public mutating func finish(to output: some ByteSink) throws {
        if extended && statementOpen { try output.write(Self.statementEnd) }
        statementOpen = false
    }

    private static let rowSeparator: [UInt8] = Array(",\n".utf8)
    private static let statementEnd: [UInt8] = Array(";\n".utf8)
}
