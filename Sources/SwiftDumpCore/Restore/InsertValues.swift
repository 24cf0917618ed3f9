/// The rows of an INSERT statement as a dump writes them: `INSERT INTO t [(cols)] VALUES
/// (...),(...)`. Finds each row's `(...)` without parsing the values, for the row count and
/// the row checksum (the same XXH64 sum a directory dump's manifest records, and that
/// `--verify` recomputes from the server).
struct InsertValues {
    /// The columns the INSERT names, or nil for all columns.
    var columnNames: [SQLName]?
    /// A value written as 0x...: the dump used --hex-blob.
    var sawHex = false
    var rows: UInt64 = 0
    var checksum: UInt64 = 0

    /// No rows yet.
    static let empty = InsertValues()

    private init() {}

    /// Scans `statement` from `afterName` (where the table name ends); nil if it is not an
    /// INSERT ... VALUES. `keeping` is given the column names (nil: none named) and returns
    /// which values count for the checksum (nil: all): a row's hash is then that of `(` and
    /// the kept values, comma-separated, and `)`, as the restored table formats them.
    init?(_ statement: [UInt8], afterName: Int, hashing: Bool, keeping: ([SQLName]?) -> [Bool]? = { _ in nil }) {
        let count = statement.count
        var names: [SQLName]?
        let found: Int? = statement.withUnsafeBytes { bytes -> Int? in
            var index = afterName
            while index < count && bytes[index] <= 0x20 { index += 1 }
            if index < count && bytes[index] == UInt8(ascii: "(") {
                // The column list: `a`, `b`, or bare names (swiftdump's row_start, row_end).
                var list: [SQLName] = []
                var current: [UInt8] = []
                var quoted = false
                index += 1
                while index < count {
                    let byte = bytes[index]
                    if quoted {
                        if byte == UInt8(ascii: "`") {
                            if index + 1 < count && bytes[index + 1] == UInt8(ascii: "`") {
                                current.append(byte)
                                index += 1
                            } else {
                                quoted = false
                            }
                        } else {
                            current.append(byte)
                        }
                    } else if byte == UInt8(ascii: "`") {
                        quoted = true
                    } else if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ")") {
                        list.append(SQLName(bytes: current))
                        current = []
                        if byte == UInt8(ascii: ")") { break }
                    } else if byte > 0x20 {
                        current.append(byte)
                    }
                    index += 1
                }
                names = list
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
        columnNames = names
        scanRows(statement, from: valuesStart, hashing: hashing, keep: hashing ? keeping(names) : nil)
    }

    private mutating func scanRows(_ statement: [UInt8], from start: Int, hashing: Bool, keep: [Bool]?) {
        var scratch: [UInt8] = []
        statement.withUnsafeBytes { bytes in
            let count = bytes.count
            var index = start
            var rowStart = -1
            var depth = 0
            var valueStart = false
            // Where each value of the current row starts (--verify of generated columns).
            var valueStarts: [Int] = []
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
                    if depth == 0 {
                        rowStart = index
                        valueStarts.removeAll(keepingCapacity: true)
                        valueStarts.append(index + 1)
                    }
                    depth += 1
                    valueStart = true
                case UInt8(ascii: ")"):
                    depth -= 1
                    if depth == 0 && rowStart >= 0 {
                        rows += 1
                        if hashing {
                            if let keep {
                                // The kept values only, as the restored table gives them back.
                                valueStarts.append(index + 1)
                                scratch.removeAll(keepingCapacity: true)
                                scratch.append(UInt8(ascii: "("))
                                var first = true
                                for position in 0..<(valueStarts.count - 1) where position >= keep.count || keep[position] {
                                    if !first { scratch.append(UInt8(ascii: ",")) }
                                    first = false
                                    scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[valueStarts[position]..<(valueStarts[position + 1] - 1)]))
                                }
                                scratch.append(UInt8(ascii: ")"))
                                checksum &+= scratch.withUnsafeBytes { XXHash64.hash($0) }
                            } else {
                                checksum &+= XXHash64.hash(UnsafeRawBufferPointer(rebasing: bytes[rowStart...index]))
                            }
                        }
                        rowStart = -1
                    }
                    valueStart = false
                case UInt8(ascii: ","):
                    if depth == 1 { valueStarts.append(index + 1) }
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
