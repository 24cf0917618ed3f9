/// The rows of an INSERT statement as a dump writes them: `INSERT INTO t [(cols)] VALUES
/// (...),(...)`. Finds each row's `(...)` without parsing the values, for the row count and
/// the row checksum (the same XXH64 sum a directory dump's manifest records, and that
/// `--verify` recomputes from the server).
struct InsertValues {
    /// The column list as written, `(`a`,`b`)`, or nil for all columns.
    var columnList: String?
    /// A value written as 0x...: the dump used --hex-blob.
    var sawHex = false
    var rows: UInt64 = 0
    var checksum: UInt64 = 0

    /// No rows yet.
    static let empty = InsertValues()

    private init() {}

    /// Scans `statement` from `afterName` (where the table name ends). `backslashEscapes`:
    /// the session's sql_mode lacks NO_BACKSLASH_ESCAPES (always so for mysqldump's data).
    init?(_ statement: [UInt8], afterName: Int, hashing: Bool) {
        let count = statement.count
        let found: Int? = statement.withUnsafeBytes { bytes -> Int? in
            // The column list, if any, then the VALUES keyword.
            var index = afterName
            while index < count && bytes[index] <= 0x20 { index += 1 }
            if index < count && bytes[index] == UInt8(ascii: "(") {
                let open = index
                var depth = 0
                var quote: UInt8 = 0
                while index < count {
                    let byte = bytes[index]
                    if quote != 0 {
                        if byte == quote { quote = 0 }
                    } else if byte == UInt8(ascii: "`") {
                        quote = byte
                    } else if byte == UInt8(ascii: "(") {
                        depth += 1
                    } else if byte == UInt8(ascii: ")") {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    index += 1
                }
                columnList = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[open..<min(index + 1, count)]), as: UTF8.self)
                index += 1
            }
            while index < count && bytes[index] <= 0x20 { index += 1 }
            guard index + 5 <= count, bytes[index] | 0x20 == UInt8(ascii: "v"), bytes[index + 1] | 0x20 == UInt8(ascii: "a"),
                  bytes[index + 2] | 0x20 == UInt8(ascii: "l"), bytes[index + 3] | 0x20 == UInt8(ascii: "u"),
                  bytes[index + 4] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 5
            if index < count && bytes[index] | 0x20 == UInt8(ascii: "s") { index += 1 }
            return index
        }
        guard let valuesStart = found else { return nil }
        scanRows(statement, from: valuesStart, hashing: hashing)
    }

    private mutating func scanRows(_ statement: [UInt8], from start: Int, hashing: Bool) {
        statement.withUnsafeBytes { bytes in
            let count = bytes.count
            var index = start
            var rowStart = -1
            var depth = 0
            var valueStart = false
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index < count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    // Skip the string: 8 bytes at a time while none is the quote or a backslash.
                    index += 1
                    while index < count {
                        if index + 8 <= count {
                            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                            let a = word ^ (ones &* UInt64(byte))
                            let b = word ^ (ones &* 0x5C)
                            if ((a &- ones) & ~a & highs) | ((b &- ones) & ~b & highs) == 0 {
                                index += 8
                                continue
                            }
                        }
                        let inner = bytes[index]
                        if inner == 0x5C {
                            index += 2
                        } else if inner == byte {
                            index += 1
                            break
                        } else {
                            index += 1
                        }
                    }
                    valueStart = false
                    continue
                }
                switch byte {
                case UInt8(ascii: "("):
                    if depth == 0 { rowStart = index }
                    depth += 1
                    valueStart = true
                case UInt8(ascii: ")"):
                    depth -= 1
                    if depth == 0 && rowStart >= 0 {
                        rows += 1
                        if hashing {
                            checksum &+= XXHash64.hash(UnsafeRawBufferPointer(rebasing: bytes[rowStart...index]))
                        }
                        rowStart = -1
                    }
                    valueStart = false
                case UInt8(ascii: ","):
                    valueStart = depth > 0
                case UInt8(ascii: "0"):
                    if valueStart && index + 1 < count && bytes[index + 1] | 0x20 == UInt8(ascii: "x") { sawHex = true }
                    valueStart = false
                default:
                    if byte > 0x20 { valueStart = false }
                }
                index += 1
            }
        }
    }
}
