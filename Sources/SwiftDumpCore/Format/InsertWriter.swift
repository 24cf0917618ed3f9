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

/// Writes a table's rows as INSERT statements, byte for byte as mariadb-dump does, straight from
/// libmariadb's row buffers into the output: the dump's hot path.
///
/// Extended INSERTs are split where mariadb-dump splits them: a row joins the current statement
/// while the statement's accounted length plus the row's stays below net_buffer_length.
@_spi(Benchmarks)
public struct InsertWriter: RowHandler {
    /// "INSERT INTO `t` VALUES\n", "INSERT INTO `t` (`a`, `b`) VALUES ", "INSERT INTO `t` VALUES (" ...
    private let statementStart: [UInt8]
    private let extended: Bool
    private let netBufferLength: Int
    private let hexBlob: Bool
    private var styles: [ValueStyle] = []
    private var output: OutputStream
    private var row: [UInt8] = []
    /// The length mariadb-dump accounts to the statement being written.
    private var statementLength: Int
    private var statementOpen = false
    public private(set) var rowCount: UInt64 = 0

    public init(statementStart: [UInt8], extended: Bool, netBufferLength: Int, hexBlob: Bool, output: OutputStream) {
        self.statementStart = statementStart
        self.extended = extended
        self.netBufferLength = netBufferLength
        self.hexBlob = hexBlob
        self.output = output
        self.statementLength = netBufferLength
        row.reserveCapacity(64 * 1024)
    }

    public mutating func start(columns: [Column]) {
        styles = columns.map { ValueStyle.forColumn($0, hexBlob: hexBlob) }
    }

    public mutating func handle(_ values: borrowing Row) throws {
        row.removeAll(keepingCapacity: true)
        if extended { row.append(UInt8(ascii: "(")) }
        for column in 0..<values.count {
            if column > 0 { row.append(UInt8(ascii: ",")) }
            appendValue(values, column)
        }
        rowCount += 1
        if extended {
            row.append(UInt8(ascii: ")"))
            let accounted = row.count + 2
            if statementLength + accounted < netBufferLength {
                statementLength += accounted
                try output.write(Self.rowSeparator)
                try output.write(row)
            } else {
                if statementOpen { try output.write(Self.statementEnd) }
                statementOpen = true
                try output.write(statementStart)
                try output.write(row)
                statementLength = accounted + statementStart.count + 4
            }
        } else {
            try output.write(statementStart)
            try output.write(row)
            try output.write(Self.singleRowEnd)
        }
    }

    /// Ends the last statement; call once after the last row.
    public mutating func finish() throws {
        if extended && statementOpen { try output.write(Self.statementEnd) }
        statementOpen = false
    }

    private static let rowSeparator: [UInt8] = Array(",\n".utf8)
    private static let statementEnd: [UInt8] = Array(";\n".utf8)
    private static let singleRowEnd: [UInt8] = Array(");\n".utf8)
    private static let null: [UInt8] = Array("NULL".utf8)

    private mutating func appendValue(_ values: borrowing Row, _ column: Int) {
        if values.isNull(column) {
            row.append(contentsOf: Self.null)
            return
        }
        values.withBytes(column) { bytes in
            if bytes.isEmpty {
                row.append(UInt8(ascii: "'"))
                row.append(UInt8(ascii: "'"))
                return
            }
            switch styles[column] {
            case .number:
                if Self.isSpelledOut(bytes) { row.append(contentsOf: Self.null) } else { row.append(contentsOf: bytes) }
            case .quotedNumber:
                if Self.isSpelledOut(bytes) {
                    row.append(contentsOf: Self.null)
                } else {
                    row.append(UInt8(ascii: "'"))
                    row.append(contentsOf: bytes)
                    row.append(UInt8(ascii: "'"))
                }
            case .quoted:
                row.append(UInt8(ascii: "'"))
                ValueEscaping.appendEscaped(bytes, to: &row)
                row.append(UInt8(ascii: "'"))
            case .hex:
                row.append(UInt8(ascii: "0"))
                row.append(UInt8(ascii: "x"))
                ValueEscaping.appendHex(bytes, to: &row)
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
