import Foundation
import Synchronization
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

/// Rows of one table as a reader formatted them: each row's SQL value list (`(1,'a')`), each
/// followed by its separator (`,\n`, or `;\n` for one-row INSERTs), with the rows' lengths
/// (separators excluded). Where the INSERT statements break is
/// decided only when batches are joined in order (``InsertJoiner``), so a table read in chunks
/// by several connections comes out as if read in one piece; the separators already in place
/// let the joiner write a whole statement's rows with one copy.
@_spi(Benchmarks)
public struct RowBatch: Sendable {
    public var bytes: ByteBuffer
    public var rowLengths: [Int32] = []
    /// The sum of every row's XXH64 (order-independent): see ``RowFormatter``.
    public var rowChecksum: UInt64 = 0
    /// The bytes after each row: `,\n` or `;\n`.
    public static let separatorLength = 2

    public init(capacity: Int) {
        bytes = ByteBuffer(capacity: capacity)
        rowLengths.reserveCapacity(capacity / 64)
    }

    public var rowCount: Int { rowLengths.count }

    /// Empties the batch for reuse, keeping its memory.
    mutating func removeAll() {
        bytes.removeAll()
        rowLengths.removeAll(keepingCapacity: true)
        rowChecksum = 0
    }
}

/// Batches the writer is done with, handed back to the readers: a dump reuses a few dozen
/// megabytes instead of allocating (and page-faulting in) a new megabyte per batch.
final class BatchRecycler: Sendable {
    private let spare = Mutex<[RowBatch]>([])
    private let limit: Int

    init(limit: Int = 16) {
        self.limit = limit
    }

    func put(_ batch: consuming RowBatch) {
        var batch = batch
        batch.removeAll()
        let emptied = batch
        spare.withLock { if $0.count < limit { $0.append(emptied) } }
    }

    func take() -> RowBatch? {
        spare.withLock { $0.popLast() }
    }
}

/// Formats streamed rows into ``RowBatch``es of about `batchSize` bytes and hands each full
/// batch to `deliver`: the reader's half of the dump's hot path, straight from libmariadb's
/// row buffers into the batch's memory, with no allocation per row.
@_spi(Benchmarks)
public struct RowFormatter: RowHandler {
    private let extended: Bool
    private let hexBlob: Bool
    private let checksums: Bool
    private let batchSize: Int
    private let deliver: (RowBatch) throws -> Void
    private let recycler: BatchRecycler?
    private var styles: [ValueStyle] = []
    private var batch: RowBatch
    public private(set) var rowCount: UInt64 = 0

    /// `checksums`: also sum each row's XXH64 over its formatted bytes, `(...)` included: the
    /// per-table row checksum of the directory format's manifest, which `swiftrestore
    /// --verify` recomputes (from the dump's INSERTs, and from the restored table).
    /// `deliver` may keep the batch it is given; if it does not, the batch is reused.
    public init(extended: Bool, hexBlob: Bool, checksums: Bool = false, batchSize: Int = 1 << 20,
                deliver: @escaping (RowBatch) throws -> Void) {
        self.init(extended: extended, hexBlob: hexBlob, checksums: checksums, batchSize: batchSize, recycler: nil, deliver: deliver)
    }

    init(extended: Bool, hexBlob: Bool, checksums: Bool = false, batchSize: Int = 1 << 20, recycler: BatchRecycler?,
         deliver: @escaping (RowBatch) throws -> Void) {
        self.extended = extended
        self.hexBlob = hexBlob
        self.checksums = checksums
        self.batchSize = batchSize
        self.deliver = deliver
        self.recycler = recycler
        batch = recycler?.take() ?? RowBatch(capacity: batchSize + 64 * 1024)
    }

    public mutating func start(columns: [Column]) {
        styles = columns.map { ValueStyle.forColumn($0, hexBlob: hexBlob) }
    }

    public mutating func handle(_ values: borrowing Row) throws {
        let columns = values.count
        // The most a row can take: every byte escaped (or two hex digits), plus per column
        // quotes or NULL and a comma, plus parentheses and the separator.
        var bound = 8 + 6 * columns
        for column in 0..<columns { bound += 2 * values.length(column) }
        let extended = self.extended
        let checksums = self.checksums
        let buffer = batch.bytes
        var checksum: UInt64 = 0
        let length = styles.withUnsafeBufferPointer { styles in
            buffer.append(atMost: bound) { writer in
                writer.put(UInt8(ascii: "("))
                for column in 0..<columns {
                    if column > 0 { writer.put(UInt8(ascii: ",")) }
                    Self.put(values, column, style: styles[column], to: &writer)
                }
                writer.put(UInt8(ascii: ")"))
                let length = writer.written
                if checksums { checksum = XXHash64.hash(writer.bytes(from: 0)) }
                writer.put(extended ? UInt8(ascii: ",") : UInt8(ascii: ";"), UInt8(ascii: "\n"))
                return length
            }
        }
        batch.rowLengths.append(Int32(length))
        batch.rowChecksum &+= checksum
        rowCount += 1
        if batch.bytes.count >= batchSize { try flush() }
    }

    /// Delivers the rows formatted so far; call once after the last row.
    public mutating func flush() throws {
        guard !batch.rowLengths.isEmpty else { return }
        try deliver(batch)
        if isKnownUniquelyReferenced(&batch.bytes) {
            batch.removeAll()
        } else {
            batch = recycler?.take() ?? RowBatch(capacity: batchSize + 64 * 1024)
        }
    }

    private static let null: StaticString = "NULL"

    @inline(__always)
    private static func put(_ values: borrowing Row, _ column: Int, style: ValueStyle, to writer: inout ByteWriter) {
        if values.isNull(column) {
            writer.put(UnsafeRawBufferPointer(start: null.utf8Start, count: 4))
            return
        }
        values.withBytes(column) { bytes in
            if bytes.isEmpty {
                writer.put(UInt8(ascii: "'"), UInt8(ascii: "'"))
                return
            }
            switch style {
            case .number:
                if isSpelledOut(bytes) { writer.put(UnsafeRawBufferPointer(start: null.utf8Start, count: 4)) } else { writer.put(bytes) }
            case .quotedNumber:
                if isSpelledOut(bytes) {
                    writer.put(UnsafeRawBufferPointer(start: null.utf8Start, count: 4))
                } else {
                    writer.put(UInt8(ascii: "'"))
                    writer.put(bytes)
                    writer.put(UInt8(ascii: "'"))
                }
            case .quoted:
                writer.put(UInt8(ascii: "'"))
                writer.putEscaped(bytes)
                writer.put(UInt8(ascii: "'"))
            case .hex:
                writer.put(UInt8(ascii: "0"), UInt8(ascii: "x"))
                writer.putHex(bytes)
            }
        }
    }

    /// `inf`, `-inf`, `nan`: a letter first, or a minus and a letter (mysqldump writes NULL).
    @inline(__always)
    private static func isSpelledOut(_ bytes: UnsafeRawBufferPointer) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        if isLetter(bytes[0]) { return true }
        return bytes[0] == UInt8(ascii: "-") && bytes.count > 1 && isLetter(bytes[1])
    }
}
