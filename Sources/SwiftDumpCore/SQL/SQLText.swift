/// SQL text as bytes, built from fixed text written here and from names and values quoted
/// byte by byte — never by `String` or `Character` operations (a backtick followed by a
/// combining mark is one `Character`, so a character-wise escape would miss it and end the
/// quoting early).
///
///     let sql: SQLText = "SHOW CREATE TABLE \(qualified: table)"
///     let sql: SQLText = "SELECT 1 FROM t WHERE name = \(literal: name)"
///
/// An interpolation must say what it is: `identifier:`, `qualified:`, `literal:`, a number, or
/// `sql:` for text that already is SQL (a definition the server returned, a `--where` condition).
public struct SQLText: Hashable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var bytes: [UInt8]

    public init() { bytes = [] }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init(stringLiteral value: String) { bytes = Array(value.utf8) }

    /// Text that already is SQL, as written: a keyword chosen here, a user's `--where`.
    public init(verbatim text: String) { bytes = Array(text.utf8) }

    public init(stringInterpolation: StringInterpolation) { bytes = stringInterpolation.bytes }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The text for messages (lossy where the bytes are not UTF-8).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func append(_ text: SQLText) { bytes += text.bytes }

    public mutating func append(sql: [UInt8]) { bytes += sql }

    public static func + (left: SQLText, right: SQLText) -> SQLText { SQLText(bytes: left.bytes + right.bytes) }

    public static func += (left: inout SQLText, right: SQLText) { left.bytes += right.bytes }

    /// The parts joined by `separator`.
    public static func joined<Parts: Sequence>(_ parts: Parts, separator: SQLText) -> SQLText where Parts.Element == SQLText {
        var text = SQLText()
        for (index, part) in parts.enumerated() {
            if index > 0 { text += separator }
            text += part
        }
        return text
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var bytes: [UInt8] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { bytes += literal.utf8 }

        /// A name as a backtick-quoted identifier.
        public mutating func appendInterpolation(identifier name: SQLName) { SQLText.appendIdentifier(name.bytes, to: &bytes) }

        /// A name quoted, or written as it is when `quoted` is false (`--skip-quote-names`).
        public mutating func appendInterpolation(name: SQLName, quoted: Bool) {
            if quoted { SQLText.appendIdentifier(name.bytes, to: &bytes) } else { bytes += name.bytes }
        }

        /// `` `db`.`table` ``.
        public mutating func appendInterpolation(qualified table: TableID) {
            bytes += SQLText.qualified(table.database, table.table)
        }

        /// Identifiers separated by `, `.
        public mutating func appendInterpolation(identifiers names: [SQLName]) {
            for (index, name) in names.enumerated() {
                if index > 0 { bytes += ", ".utf8 }
                SQLText.appendIdentifier(name.bytes, to: &bytes)
            }
        }

        /// A single-quoted string literal, escaped as the row values are.
        public mutating func appendInterpolation(literal name: SQLName) { SQLText.appendLiteral(name.bytes, to: &bytes) }

        public mutating func appendInterpolation(literal text: String) { SQLText.appendLiteral(Array(text.utf8), to: &bytes) }

        public mutating func appendInterpolation(literalBytes value: [UInt8]) { SQLText.appendLiteral(value, to: &bytes) }

        public mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { bytes += String(number).utf8 }

        /// Text that already is SQL.
        public mutating func appendInterpolation(sql text: SQLText) { bytes += text.bytes }

        public mutating func appendInterpolation(sql bytes: [UInt8]) { self.bytes += bytes }
    }

    // MARK: The quoting rules

    /// `` `name` `` with every backtick byte doubled.
    public static func identifier(_ name: SQLName) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.bytes.count + 2)
        appendIdentifier(name.bytes, to: &bytes)
        return bytes
    }

    /// `` `db`.`table` ``.
    public static func qualified(_ database: SQLName, _ table: SQLName) -> [UInt8] {
        var bytes: [UInt8] = []
        appendIdentifier(database.bytes, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendIdentifier(table.bytes, to: &bytes)
        return bytes
    }

    static func appendIdentifier(_ name: [UInt8], to bytes: inout [UInt8]) {
        let backtick = UInt8(ascii: "`")
        bytes.append(backtick)
        for byte in name {
            bytes.append(byte)
            if byte == backtick { bytes.append(backtick) }
        }
        bytes.append(backtick)
    }

    /// `'value'` with NUL, LF, CR, Ctrl-Z, both quotes and the backslash escaped, byte by
    /// byte (``ByteWriter/escapeLetter``: the table the row values use).
    static func appendLiteral(_ value: [UInt8], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "'"))
        for byte in value {
            let letter = ByteWriter.escapeLetter[Int(byte)]
            if letter == 0 {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(letter)
            }
        }
        bytes.append(UInt8(ascii: "'"))
    }

    /// `text` made safe inside a `--` comment line: a newline in it starts a new comment line
    /// instead of ending the comment (mysqldump's fix_for_comment).
    public static func forComment(_ text: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        for byte in text {
            bytes.append(byte)
            if byte == 0x0A { bytes += "-- ".utf8 }
        }
        return bytes
    }
}
