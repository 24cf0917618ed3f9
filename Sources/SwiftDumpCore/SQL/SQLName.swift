/// A name as the server stores it — a database, table, column, routine, trigger, event,
/// constraint or user name — kept as its bytes and compared byte by byte.
///
/// Never a `String` for identity: Swift compares strings by canonical equivalence, so `é` and
/// `e` + U+0301 would be one key, while the server keeps two tables; and a name that is not
/// valid UTF-8 (read in another character set) would not survive the round trip. The text form
/// (``description``) is for messages only.
public struct SQLName: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 { self.bytes = Array(bytes) }

    /// The name spelled by `text` (its UTF-8 bytes), as a command line or an option file gives it.
    public init(_ text: String) { bytes = Array(text.utf8) }

    public init(stringLiteral value: String) { self.init(value) }

    public var isEmpty: Bool { bytes.isEmpty }

    /// Byte order: the same schema always gives the same order, whatever the collation.
    public static func < (left: SQLName, right: SQLName) -> Bool { left.bytes.lexicographicallyPrecedes(right.bytes) }

    /// The name as text for messages (bytes that are not UTF-8 show as U+FFFD).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The name as a quoted identifier in a message: `` `a``b` ``.
    public var quoted: String { String(decoding: SQLText.identifier(self), as: UTF8.self) }

    /// ASCII letters folded to lower case, for the few names the server compares that way
    /// (the `mysql` schema's tables).
    public var asciiLowercased: SQLName { SQLName(bytes: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }) }
}

extension SQLName: Codable {
    /// Text when the bytes are UTF-8 (every name read over a utf8mb4 connection), else
    /// `{"hex": "..."}`: a manifest must not lose a name.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self.init(text)
            return
        }
        let container = try decoder.container(keyedBy: HexKey.self)
        let hex = try container.decode(String.self, forKey: .hex)
        guard let bytes = Hexadecimal.decode(hex) else {
            throw DecodingError.dataCorruptedError(forKey: .hex, in: container, debugDescription: "not hexadecimal: \(hex)")
        }
        self.init(bytes: bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        if let text = String(validating: bytes, as: UTF8.self) {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        } else {
            var container = encoder.container(keyedBy: HexKey.self)
            try container.encode(Hexadecimal.encode(bytes), forKey: .hex)
        }
    }

    private enum HexKey: String, CodingKey { case hex }
}

/// A table (or view, or sequence) in its database: the one way the engine names a qualified
/// object, on the dump side and the restore side.
public struct TableID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let database: SQLName
    public let table: SQLName

    public init(database: SQLName, table: SQLName) {
        self.database = database
        self.table = table
    }

    public static func < (left: TableID, right: TableID) -> Bool {
        (left.database, left.table) < (right.database, right.table)
    }

    /// `` `db`.`table` ``, for messages.
    public var description: String { String(decoding: SQLText.qualified(database, table), as: UTF8.self) }
}

/// Uppercase hexadecimal digits, and back.
enum Hexadecimal {
    private static let digits = Array("0123456789ABCDEF".utf8)

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `bytes` with every byte `keeping` refuses written `%XX`: the one percent-encoder (a
    /// directory dump's file names, S3 keys and queries), byte by byte.
    static func percentEncoded<Bytes: Sequence>(_ bytes: Bytes, keeping: (UInt8) -> Bool) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        for byte in bytes {
            if keeping(byte) {
                text.append(byte)
            } else {
                text += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
