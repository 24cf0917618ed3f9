/// One statement of a dump, as the server will receive it: without its delimiter and without
/// the comments and blank lines before it.
struct Statement: Sendable {
    var bytes: [UInt8]
    /// Where it starts in its source's SQL (after decompression), to find its line on error.
    let offset: UInt64
    /// The database it runs in (what the dump's USE statements made current); nil: whichever.
    var database: SQLName?
}

/// Splits a dump into statements the way the `mysql` client does, reading as it goes: a
/// statement ends at the delimiter (`;`, or what a `DELIMITER` line sets) outside quotes,
/// backquotes and comments, as ``SQLLexer`` reads them. `'...'` and `"..."` take backslash
/// escapes unless the session's sql_mode has NO_BACKSLASH_ESCAPES (followed from the SET
/// statements, as the client follows the server's status); `/*!NNNNN ... */` and
/// `/*M!NNNNNN ... */` are SQL to the client, so a delimiter inside one ends the statement;
/// plain `/* */`, `-- ` and `#` comments hide it. mariadb-dump's first line,
/// `/*M!999999\- enable the sandbox mode */`, is a client command: noted, never sent.
///
/// Memory: the current statement and a block of look-ahead; statements of any size.
final class StatementSplitter {
    private let reader: ByteReader
    private var buffer: [UInt8]
    /// Valid bytes are `buffer[0..<end]`; `buffer[0]` is at `baseOffset` in the input.
    private var end = 0
    private var baseOffset: UInt64 = 0
    private var cursor = 0
    private var endOfInput = false
    private var delimiter: [UInt8] = [UInt8(ascii: ";")]
    private var sqlMode = SQLModeTracker()

    /// True once the sandbox-mode line was seen.
    private(set) var sawSandboxLine = false
    /// After ``next()`` returned nil: text at the end that no delimiter closed (a cut-off
    /// statement, or the last statement of a file that lacks its final delimiter).
    private(set) var unterminatedTail: (offset: UInt64, preview: String)?

    init(reader: ByteReader, blockSize: Int = 1 << 20) {
        self.reader = reader
        buffer = [UInt8](readBuffer: blockSize)
    }

    /// The next statement, or nil at the end of the input.
    func next() throws -> Statement? {
        while true {
            try skipSpaceAndComments()
            guard try ensure(1) else { return nil }
            if try consumeClientCommand() { continue }
            var start = cursor
            let stop = try scanToDelimiter(start: &start)
            guard let stop else {
                // The input ended inside this statement.
                let text = buffer[start..<end]
                if text.contains(where: { !SQLLexer.isSpace($0) }) {
                    unterminatedTail = (baseOffset + UInt64(start), String(decoding: text.prefix(200), as: UTF8.self))
                }
                cursor = end
                return nil
            }
            var bytes = Array(buffer[start..<stop])
            while let last = bytes.last, SQLLexer.isSpace(last) { bytes.removeLast() }
            if bytes.isEmpty { continue }
            sqlMode.observe(bytes)
            return Statement(bytes: bytes, offset: baseOffset + UInt64(start))
        }
    }

    // MARK: Buffer

    /// Makes at least `count` bytes available from `cursor` if the input has them; false if
    /// fewer remain. Moves the bytes from `keep` (the current statement) to the buffer's front,
    /// adjusting `keep` and `cursor`, and grows the buffer when one statement fills it.
    @discardableResult
    private func ensure(_ count: Int, keeping keep: inout Int) throws -> Bool {
        while end - cursor < count {
            if endOfInput { return false }
            let from = min(keep, cursor)
            if from > 0 {
                buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + from, byteCount: end - from) }
                end -= from
                cursor -= from
                keep -= from
                baseOffset += UInt64(from)
            }
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let read = try buffer.withUnsafeMutableBytes { try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[end...])) }
            if read == 0 { endOfInput = true }
            end += read
        }
        return true
    }

    @discardableResult
    private func ensure(_ count: Int) throws -> Bool {
        var keep = cursor
        return try ensure(count, keeping: &keep)
    }

    /// The lexeme at `cursor`, reading more input as it needs; nil at the end of the input.
    private func lexeme(_ lexer: inout SQLLexer, keeping keep: inout Int) throws -> SQLLexer.Lexeme? {
        while true {
            guard try ensure(1, keeping: &keep) else { return nil }
            let found = buffer.withUnsafeBytes { bytes in
                lexer.next(in: UnsafeRawBufferPointer(rebasing: bytes[..<end]), at: cursor, atEnd: endOfInput, delimiter: delimiter)
            }
            if let found { return found }
            // The lexeme goes on past what is read: read more, then ask again from its start.
            try ensure(end - cursor + 1, keeping: &keep)
        }
    }

    // MARK: Between statements

    /// Skips whitespace and comments (`-- `, `#`, plain `/* */`) before a statement.
    private func skipSpaceAndComments() throws {
        var lexer = SQLLexer()
        var keep = cursor
        while let lexeme = try lexeme(&lexer, keeping: &keep) {
            switch lexeme.kind {
            case .space, .lineComment, .blockComment:
                cursor = lexeme.range.upperBound
                keep = cursor
            default:
                return
            }
        }
    }

    private static let sandboxPrefix = Array("/*M!999999\\-".utf8)
    private static let delimiterCommand = Array("DELIMITER".utf8)

    /// `DELIMITER x` (a client command, never sent) and the sandbox line; true if one was taken.
    private func consumeClientCommand() throws -> Bool {
        if buffer[cursor] == UInt8(ascii: "/"), try ensure(Self.sandboxPrefix.count),
           buffer[cursor..<cursor + Self.sandboxPrefix.count].elementsEqual(Self.sandboxPrefix) {
            sawSandboxLine = true
            try skipLine()
            return true
        }
        let length = Self.delimiterCommand.count
        guard buffer[cursor] | 0x20 == UInt8(ascii: "d"), try ensure(length + 1) else { return false }
        for index in 0..<length where buffer[cursor + index] & ~0x20 != Self.delimiterCommand[index] { return false }
        guard buffer[cursor + length] == 0x20 || buffer[cursor + length] == 0x09 else { return false }
        var lineStart = cursor
        try skipLine(keeping: &lineStart)
        let line = buffer[(lineStart + length)..<cursor].split(whereSeparator: { SQLLexer.isSpace($0) })
        if let word = line.first, !word.isEmpty { delimiter = Array(word) }
        return true
    }

    /// Moves `cursor` past the end of the line.
    private func skipLine() throws {
        var keep = cursor
        try skipLine(keeping: &keep)
    }

    private func skipLine(keeping keep: inout Int) throws {
        while try ensure(1, keeping: &keep) {
            let byte = buffer[cursor]
            cursor += 1
            if byte == 0x0A { return }
        }
    }

    // MARK: Inside a statement

    /// Advances past the statement that starts at `start`; returns where its delimiter
    /// starts, or nil if the input ended first. `start` moves with the buffer's contents.
    private func scanToDelimiter(start: inout Int) throws -> Int? {
        var lexer = SQLLexer(backslashEscapes: !sqlMode.noBackslashEscapes)
        let first = delimiter[0]
        while let lexeme = try lexeme(&lexer, keeping: &start) {
            let length = lexeme.range.count
            if (lexeme.kind == .symbol || lexeme.kind == .word) && buffer[cursor] == first {
                // The whole delimiter must be there to compare it.
                if delimiter.count > 1 { try ensure(delimiter.count, keeping: &start) }
                if matchesDelimiter() {
                    let stop = cursor
                    cursor += delimiter.count
                    return stop
                }
            }
            // (`ensure` may have moved the bytes: the length, not the range, still holds.)
            cursor += length
        }
        return nil
    }

    private func matchesDelimiter() -> Bool {
        guard cursor + delimiter.count <= end else { return false }
        for index in 1..<delimiter.count where buffer[cursor + index] != delimiter[index] { return false }
        return true
    }
}

/// Follows whether the session's sql_mode has NO_BACKSLASH_ESCAPES through a dump's SET
/// statements (`SET sql_mode = '...'`, `SET @saved = @@sql_mode`, `SET sql_mode = @saved`), as
/// far as their values are literals or variables; other expressions leave it as it was.
struct SQLModeTracker {
    private(set) var noBackslashEscapes = false
    private var current: String? = ""
    private var userVariables: [String: String] = [:]

    mutating func observe(_ statement: [UInt8]) {
        guard let assignments = SetStatement.assignments(statement) else { return }
        for (name, value) in assignments {
            let resolved: String?? = {
                if let literal = value.literal { return .some(literal) }
                if let variable = value.userVariable { return .some(userVariables[variable]) }
                if value.systemVariable == "sql_mode" { return .some(current) }
                return nil
            }()
            if name == "sql_mode" {
                if let resolved, let mode = resolved {
                    current = mode
                    noBackslashEscapes = mode.uppercased().contains("NO_BACKSLASH_ESCAPES")
                }
            } else if name.hasPrefix("@") {
                if let resolved, let mode = resolved { userVariables[name] = mode } else { userVariables[name] = nil }
            }
        }
    }
}

@available(*, unavailable, message: "a splitter holds the position of one reader on one thread")
extension StatementSplitter: Sendable {}
