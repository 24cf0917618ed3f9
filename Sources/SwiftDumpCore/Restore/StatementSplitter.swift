/// One statement of a dump, as the server will receive it: without its delimiter and without
/// the comments and blank lines before it.
struct Statement: Sendable {
    var bytes: [UInt8]
    /// Where it starts in its source's SQL (after decompression), to find its line on error.
    let offset: UInt64
    /// The database it runs in (what the dump's USE statements made current); nil: whichever.
    var database: String?
}

/// Splits a dump into statements the way the `mysql` client does, reading as it goes: a
/// statement ends at the delimiter (`;`, or what a `DELIMITER` line sets) outside quotes,
/// backquotes and comments. `'...'` and `"..."` take backslash escapes unless the session's
/// sql_mode has NO_BACKSLASH_ESCAPES (followed from the SET statements, as the client follows
/// the server's status); `/*!NNNNN ... */` and `/*M!NNNNNN ... */` are SQL to the client, so a
/// delimiter inside one ends the statement; plain `/* */`, `-- ` and `#` comments hide it.
/// mariadb-dump's first line, `/*M!999999\- enable the sandbox mode */`, is a client command:
/// noted, never sent.
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
        buffer = [UInt8](repeating: 0, count: blockSize)
    }

    /// The next statement, or nil at the end of the input.
    func next() throws -> Statement? {
        while true {
            try skipSpaceAndComments()
            guard try ensure(1) else { return nil }
            if try consumeClientCommand() { continue }
            let stop = try scanToDelimiter()
            let start = self.start
            guard let stop else {
                // The input ended inside this statement.
                let text = buffer[start..<end]
                if text.contains(where: { !Self.isSpace($0) }) {
                    unterminatedTail = (baseOffset + UInt64(start), String(decoding: text.prefix(200), as: UTF8.self))
                }
                cursor = end
                return nil
            }
            var bytes = Array(buffer[start..<stop])
            while let last = bytes.last, Self.isSpace(last) { bytes.removeLast() }
            let statement = Statement(bytes: bytes, offset: baseOffset + UInt64(start))
            if bytes.isEmpty { continue }
            sqlMode.observe(bytes)
            return statement
        }
    }

    // MARK: Buffer

    /// Makes at least `count` bytes available from `cursor` if the input has them; false if
    /// fewer remain. Moves the current statement to the buffer's front (keeping `cursor`'s
    /// distance from `keep`), growing the buffer when one statement fills it.
    @discardableResult
    private func ensure(_ count: Int, keeping keepFrom: Int? = nil) throws -> Bool {
        var keep = keepFrom
        statementShift = 0
        while end - cursor < count {
            if endOfInput { return false }
            let from = min(keep ?? cursor, cursor)
            if from > 0 {
                buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + from, byteCount: end - from) }
                end -= from
                cursor -= from
                baseOffset += UInt64(from)
                statementShift += from
                keep = keep.map { $0 - from }
            }
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let read = try buffer.withUnsafeMutableBytes { try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[end...])) }
            if read == 0 { endOfInput = true }
            end += read
        }
        return true
    }

    /// How far the last ``ensure(_:keeping:)`` moved the buffer's contents to the front.
    private var statementShift = 0

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    // MARK: Between statements

    /// Skips whitespace and comments (`-- `, `#`, plain `/* */`) before a statement.
    private func skipSpaceAndComments() throws {
        while try ensure(1) {
            let byte = buffer[cursor]
            if Self.isSpace(byte) {
                cursor += 1
            } else if try byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "-") && isDashComment()) {
                try skipLine()
            } else if byte == UInt8(ascii: "/"), try ensure(3), buffer[cursor + 1] == UInt8(ascii: "*"),
                      buffer[cursor + 2] != UInt8(ascii: "!"), !(try isMariaDBVersioned()) {
                try skipBlockComment()
            } else {
                return
            }
        }
    }

    /// `--` followed by a space or control character (or the end): a comment, as the server sees it.
    private func isDashComment() throws -> Bool {
        guard try ensure(2), buffer[cursor + 1] == UInt8(ascii: "-") else { return false }
        guard try ensure(3) else { return true }
        return buffer[cursor + 2] <= 0x20
    }

    /// `/*M!`: MariaDB's versioned comment, SQL to the client.
    private func isMariaDBVersioned() throws -> Bool {
        try ensure(4) && buffer[cursor + 2] == UInt8(ascii: "M") && buffer[cursor + 3] == UInt8(ascii: "!")
    }

    private static let sandboxPrefix = Array("/*M!999999\\-".utf8)

    private func isSandboxLine() throws -> Bool {
        guard try ensure(Self.sandboxPrefix.count) else { return false }
        return buffer[cursor..<cursor + Self.sandboxPrefix.count].elementsEqual(Self.sandboxPrefix)
    }

    private func skipLine() throws {
        while try ensure(1) {
            let byte = buffer[cursor]
            cursor += 1
            if byte == 0x0A { return }
        }
    }

    private func skipBlockComment() throws {
        cursor += 2
        while try ensure(2) {
            if buffer[cursor] == UInt8(ascii: "*") && buffer[cursor + 1] == UInt8(ascii: "/") {
                cursor += 2
                return
            }
            cursor += 1
        }
        cursor = end
    }

    private static let delimiterCommand = Array("DELIMITER".utf8)

    /// `DELIMITER x` (a client command, never sent) and the sandbox line; true if one was taken.
    private func consumeClientCommand() throws -> Bool {
        if buffer[cursor] == UInt8(ascii: "/"), try isSandboxLine() {
            sawSandboxLine = true
            try skipLine()
            return true
        }
        let length = Self.delimiterCommand.count
        guard buffer[cursor] | 0x20 == UInt8(ascii: "d"), try ensure(length + 1) else { return false }
        for index in 0..<length where buffer[cursor + index] & ~0x20 != Self.delimiterCommand[index] { return false }
        guard buffer[cursor + length] == 0x20 || buffer[cursor + length] == 0x09 else { return false }
        var lineStart = cursor
        try skipLineKeeping(&lineStart)
        let line = buffer[(lineStart + length)..<cursor].split(whereSeparator: { Self.isSpace($0) })
        if let word = line.first, !word.isEmpty { delimiter = Array(word) }
        return true
    }

    // MARK: Inside a statement

    private enum QuoteState {
        case none, single, double, backtick
    }

    /// Advances past the statement that starts at `cursor`; returns where its delimiter
    /// starts, or nil if the input ended first. The statement's start may move (the buffer
    /// is compacted), so the caller's `start` is kept valid through `statementShift`.
    private func scanToDelimiter() throws -> Int? {
        var start = cursor
        var state = QuoteState.none
        let first = delimiter[0]
        let backslashEscapes = !sqlMode.noBackslashEscapes
        while true {
            if end - cursor < 16 && !endOfInput {
                try ensure(16, keeping: start)
                start -= statementShift
                statementShift = 0
            }
            guard cursor < end else {
                self.start = start
                return nil
            }
            switch state {
            case .none:
                let byte = buffer[cursor]
                switch byte {
                case UInt8(ascii: "'"): state = .single
                case UInt8(ascii: "\""): state = .double
                case UInt8(ascii: "`"): state = .backtick
                case UInt8(ascii: "#"):
                    try skipLineKeeping(&start)
                    continue
                case UInt8(ascii: "-") where cursor + 2 < end && buffer[cursor + 1] == UInt8(ascii: "-") && buffer[cursor + 2] <= 0x20:
                    try skipLineKeeping(&start)
                    continue
                case UInt8(ascii: "/") where cursor + 2 < end && buffer[cursor + 1] == UInt8(ascii: "*")
                    && buffer[cursor + 2] != UInt8(ascii: "!") && !(buffer[cursor + 2] == UInt8(ascii: "M") && cursor + 3 < end && buffer[cursor + 3] == UInt8(ascii: "!")):
                    try skipBlockCommentKeeping(&start)
                    continue
                default:
                    if byte == first && matchesDelimiter() {
                        cursor += delimiter.count
                        self.start = start
                        return cursor - delimiter.count
                    }
                }
                cursor += 1
            case .single, .double:
                let quote = state == .single ? UInt8(ascii: "'") : UInt8(ascii: "\"")
                // Most of a dump is inside quotes: skip 8 bytes at a time while none is a
                // quote or backslash.
                cursor = skipPlain(from: cursor, quote: quote)
                guard cursor < end else { continue }
                let byte = buffer[cursor]
                if byte == UInt8(ascii: "\\") && backslashEscapes {
                    if cursor + 1 >= end && !endOfInput { continue }
                    cursor += 2
                } else {
                    if byte == quote { state = .none }
                    cursor += 1
                }
            case .backtick:
                if buffer[cursor] == UInt8(ascii: "`") { state = .none }
                cursor += 1
            }
        }
    }

    /// Where the scanned statement began (valid after ``scanToDelimiter()`` returns).
    private var start = 0

    private func matchesDelimiter() -> Bool {
        if delimiter.count == 1 { return true }
        guard cursor + delimiter.count <= end else { return false }
        for index in 1..<delimiter.count where buffer[cursor + index] != delimiter[index] { return false }
        return true
    }

    /// The first byte at or after `from` that is `quote` or a backslash (or the last 7 bytes).
    private func skipPlain(from: Int, quote: UInt8) -> Int {
        buffer.withUnsafeBytes { bytes in
            var index = from
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= end {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let a = word ^ (ones &* UInt64(quote))
                let b = word ^ (ones &* 0x5C)
                if ((a &- ones) & ~a & highs) | ((b &- ones) & ~b & highs) != 0 { break }
                index += 8
            }
            while index < end {
                let byte = bytes[index]
                if byte == quote || byte == 0x5C { return index }
                index += 1
            }
            return index
        }
    }

    private func skipLineKeeping(_ start: inout Int) throws {
        while true {
            if cursor >= end {
                if endOfInput { return }
                try ensure(1, keeping: start)
                start -= statementShift
                statementShift = 0
                continue
            }
            let byte = buffer[cursor]
            cursor += 1
            if byte == 0x0A { return }
        }
    }

    private func skipBlockCommentKeeping(_ start: inout Int) throws {
        cursor += 2
        while true {
            if end - cursor < 2 {
                if endOfInput { cursor = end; return }
                try ensure(2, keeping: start)
                start -= statementShift
                statementShift = 0
                continue
            }
            if buffer[cursor] == UInt8(ascii: "*") && buffer[cursor + 1] == UInt8(ascii: "/") {
                cursor += 2
                return
            }
            cursor += 1
        }
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
