import MariaDBClient

/// How one column's values are written, decided once per table from the result metadata.
enum ValueStyle: Sendable, Equatable {
    /// Digits as the server sends them; `inf`/`nan` (which SQL cannot read back) become NULL.
    case number
    /// The pre-5.0 DECIMAL type, which mysqldump quotes.
    case quotedNumber
    /// Quoted and escaped text (and binary data without --hex-blob).
    case quoted
    /// Binary data as 0x... (--hex-blob).
    case hex

    static func forColumn(_ column: Column, hexBlob: Bool) -> ValueStyle {
        if column.flags.contains(.numeric) {
            return column.type == .decimal ? .quotedNumber : .number
        }
        if hexBlob && column.characterSetNumber == Column.binaryCharacterSet && hexableTypes.contains(column.type) {
            return .hex
        }
        return .quoted
    }

    /// The types --hex-blob writes in hex when their character set is binary.
    private static let hexableTypes: Set<ColumnType> = [
        .bit, .string, .varString, .varchar, .blob, .longBlob, .mediumBlob, .tinyBlob, .geometry,
    ]
}

/// Rows of one table as a reader formatted them: each row's SQL value list (`(1,'a')`, or
/// `1,'a'` for one-row INSERTs) back to back, with its length. No separators: where the INSERT
/// statements break is decided only when batches are joined in order (``InsertJoiner``), so a
/// table read in chunks by several connections comes out as if read in one piece.
@_spi(Benchmarks)
public struct RowBatch: Sendable {
    public var bytes: [UInt8] = []
    public var rowLengths: [Int32] = []
    /// The sum of every row's CRC-32 (order-independent): see ``RowFormatter``.
    public var rowChecksum: UInt64 = 0

    public init() {}

    public var rowCount: Int { rowLengths.count }
}

/// Formats streamed rows into ``RowBatch``es of about `batchSize` bytes and hands each full
/// batch to `deliver`: the reader's half of the dump's hot path, straight from libmariadb's
/// row buffers, with no allocation per row.
@_spi(Benchmarks)
public struct RowFormatter: RowHandler {
    private let extended: Bool
    private let hexBlob: Bool
    private let checksums: Bool
    private let batchSize: Int
    private let deliver: (consuming RowBatch) throws -> Void
    private var styles: [ValueStyle] = []
    private var batch = RowBatch()
    public private(set) var rowCount: UInt64 = 0

    /// `checksums`: also sum each row's CRC-32 over its formatted bytes, the per-table row
    /// checksum of the directory format's manifest (a restore recomputes it the same way).
    public init(extended: Bool, hexBlob: Bool, checksums: Bool = false, batchSize: Int = 1 << 20,
                deliver: @escaping (consuming RowBatch) throws -> Void) {
        self.extended = extended
        self.hexBlob = hexBlob
        self.checksums = checksums
        self.batchSize = batchSize
        self.deliver = deliver
        batch.bytes.reserveCapacity(batchSize + 64 * 1024)
    }

    public mutating func start(columns: [Column]) {
        styles = columns.map { ValueStyle.forColumn($0, hexBlob: hexBlob) }
    }

    public mutating func handle(_ values: borrowing Row) throws {
        let start = batch.bytes.count
        if extended { batch.bytes.append(UInt8(ascii: "(")) }
        for column in 0..<values.count {
            if column > 0 { batch.bytes.append(UInt8(ascii: ",")) }
            appendValue(values, column)
        }
        if extended { batch.bytes.append(UInt8(ascii: ")")) }
        batch.rowLengths.append(Int32(batch.bytes.count - start))
        if checksums {
            batch.rowChecksum &+= UInt64(batch.bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[start...])) })
        }
        rowCount += 1
        if batch.bytes.count >= batchSize { try flush() }
    }

    /// Delivers the rows formatted so far; call once after the last row.
    public mutating func flush() throws {
        guard !batch.rowLengths.isEmpty else { return }
        var full = RowBatch()
        full.bytes.reserveCapacity(batchSize + 64 * 1024)
        swap(&full, &batch)
        try deliver(full)
    }

    private static let null: [UInt8] = Array("NULL".utf8)

    private mutating func appendValue(_ values: borrowing Row, _ column: Int) {
        if values.isNull(column) {
            batch.bytes.append(contentsOf: Self.null)
            return
        }
        values.withBytes(column) { bytes in
            if bytes.isEmpty {
                batch.bytes.append(UInt8(ascii: "'"))
                batch.bytes.append(UInt8(ascii: "'"))
                return
            }
            switch styles[column] {
            case .number:
                if Self.isSpelledOut(bytes) { batch.bytes.append(contentsOf: Self.null) } else { batch.bytes.append(contentsOf: bytes) }
            case .quotedNumber:
                if Self.isSpelledOut(bytes) {
                    batch.bytes.append(contentsOf: Self.null)
                } else {
                    batch.bytes.append(UInt8(ascii: "'"))
                    batch.bytes.append(contentsOf: bytes)
                    batch.bytes.append(UInt8(ascii: "'"))
                }
            case .quoted:
                batch.bytes.append(UInt8(ascii: "'"))
                ValueEscaping.appendEscaped(bytes, to: &batch.bytes)
                batch.bytes.append(UInt8(ascii: "'"))
            case .hex:
                batch.bytes.append(UInt8(ascii: "0"))
                batch.bytes.append(UInt8(ascii: "x"))
                ValueEscaping.appendHex(bytes, to: &batch.bytes)
            }
        }
    }

    /// `inf`, `-inf`, `nan`: a letter first, or a minus and a letter (mysqldump writes NULL).
    private static func isSpelledOut(_ bytes: UnsafeRawBufferPointer) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        if isLetter(bytes[0]) { return true }
        return bytes[0] == UInt8(ascii: "-") && bytes.count > 1 && isLetter(bytes[1])
    }
}
