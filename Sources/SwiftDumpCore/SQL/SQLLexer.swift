/// The lexical rules of SQL text as the `mysql` client and the server read it — whitespace,
/// `-- ` and `#` comments, `/* */` comments, `/*!NNNNN` and `/*M!NNNNNN` versioned comments
/// (whose content is SQL), `'...'` and `"..."` strings (backslash escapes unless
/// NO_BACKSLASH_ESCAPES), `` `...` `` identifiers (a doubled backtick is one), words and
/// symbols — in one place, for every reader of SQL in the engine: the restore's statement
/// splitter (which reads a stream, block by block), its classifier, and the dump's rewriting of
/// the definitions the server returns.
///
/// Everything works on bytes. A lexeme is a range of the input; callers take the name or value
/// out of it with ``SQLLexer/unquotedIdentifier(_:)`` and friends.
struct SQLLexer {
    enum Kind: Equatable, Sendable {
        /// A run of spaces, tabs, newlines.
        case space
        /// `-- ...` or `# ...`, up to and including the newline.
        case lineComment
        /// `/* ... */` (not versioned).
        case blockComment
        /// `/*!NNNNN` or `/*M!NNNNNN` with its version digits: what follows is SQL.
        case versionedOpen
        /// `*/`, as it ends a versioned comment.
        case commentEnd
        /// `'...'` or `"..."`, quotes included.
        case string
        /// `` `...` ``, backticks included.
        case identifier
        /// Letters, digits, `_`, `$` and bytes of multi-byte characters: keywords, bare names, numbers.
        case word
        /// Any other single byte.
        case symbol
    }

    struct Lexeme: Equatable, Sendable {
        let kind: Kind
        let range: Range<Int>
    }

    /// False under the sql_mode NO_BACKSLASH_ESCAPES: a backslash in a string is a backslash.
    var backslashEscapes = true

    /// A construct that ran past the end of the bytes given: its kind and how far from its
    /// start it is known not to end, so that reading resumes there once more bytes come.
    private var pending: (kind: Kind, scanned: Int)?

    init(backslashEscapes: Bool = true) {
        self.backslashEscapes = backslashEscapes
    }

    /// The lexeme that starts at `start`, or nil when `atEnd` is false and it may go on past
    /// the end of `bytes`: call again with more bytes and the same start (moved with the
    /// bytes, if they were moved); a long string is not read again from its beginning. With
    /// `atEnd`, a construct the input ends inside ends with the input.
    ///
    /// `delimiter` (the splitter's) ends a word where it starts inside one, as the client
    /// checks for it after every byte: `END$$` is `END` and then `$$`.
    mutating func next(in bytes: UnsafeRawBufferPointer, at start: Int, atEnd: Bool, delimiter: [UInt8] = []) -> Lexeme? {
        let end = bytes.count
        precondition(start < end, "no byte to read")
        if let pending {
            self.pending = nil
            return resume(pending.kind, in: bytes, start: start, from: start + pending.scanned, atEnd: atEnd, delimiter: delimiter)
        }
        let byte = bytes[start]
        if Self.isSpace(byte) { return resume(.space, in: bytes, start: start, from: start + 1, atEnd: atEnd, delimiter: delimiter) }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return resume(.string, in: bytes, start: start, from: start + 1, atEnd: atEnd, delimiter: delimiter)
        case UInt8(ascii: "`"):
            return resume(.identifier, in: bytes, start: start, from: start + 1, atEnd: atEnd, delimiter: delimiter)
        case UInt8(ascii: "#"):
            return resume(.lineComment, in: bytes, start: start, from: start + 1, atEnd: atEnd, delimiter: delimiter)
        case UInt8(ascii: "-"):
            // `--` followed by a space or a control byte (or the end) starts a comment.
            guard start + 1 < end else { return atEnd ? Lexeme(kind: .symbol, range: start..<(start + 1)) : nil }
            guard bytes[start + 1] == UInt8(ascii: "-") else { return Lexeme(kind: .symbol, range: start..<(start + 1)) }
            guard start + 2 < end else {
                return atEnd ? Lexeme(kind: .lineComment, range: start..<end) : nil
            }
            if bytes[start + 2] <= 0x20 { return resume(.lineComment, in: bytes, start: start, from: start + 2, atEnd: atEnd, delimiter: delimiter) }
            return Lexeme(kind: .symbol, range: start..<(start + 1))
        case UInt8(ascii: "/"):
            guard start + 1 < end else { return atEnd ? Lexeme(kind: .symbol, range: start..<(start + 1)) : nil }
            guard bytes[start + 1] == UInt8(ascii: "*") else { return Lexeme(kind: .symbol, range: start..<(start + 1)) }
            // `/*!` or `/*M!`: a versioned comment; anything else a plain one.
            guard start + 2 < end else { return atEnd ? Lexeme(kind: .blockComment, range: start..<end) : nil }
            var marker = -1
            if bytes[start + 2] == UInt8(ascii: "!") {
                marker = start + 3
            } else if bytes[start + 2] == UInt8(ascii: "M") {
                guard start + 3 < end else { return atEnd ? Lexeme(kind: .blockComment, range: start..<end) : nil }
                if bytes[start + 3] == UInt8(ascii: "!") { marker = start + 4 }
            }
            guard marker >= 0 else { return resume(.blockComment, in: bytes, start: start, from: start + 2, atEnd: atEnd, delimiter: delimiter) }
            var index = marker
            while index < end && Self.isDigit(bytes[index]) { index += 1 }
            if index == end && !atEnd { return nil }
            return Lexeme(kind: .versionedOpen, range: start..<index)
        case UInt8(ascii: "*"):
            guard start + 1 < end else { return atEnd ? Lexeme(kind: .symbol, range: start..<(start + 1)) : nil }
            if bytes[start + 1] == UInt8(ascii: "/") { return Lexeme(kind: .commentEnd, range: start..<(start + 2)) }
            return Lexeme(kind: .symbol, range: start..<(start + 1))
        default:
            if Self.isWordByte(byte) { return resume(.word, in: bytes, start: start, from: start + 1, atEnd: atEnd, delimiter: delimiter) }
            return Lexeme(kind: .symbol, range: start..<(start + 1))
        }
    }

    /// Reads a construct of `kind` that began at `start`, from `index` on.
    private mutating func resume(_ kind: Kind, in bytes: UnsafeRawBufferPointer, start: Int, from index: Int, atEnd: Bool,
                                 delimiter: [UInt8]) -> Lexeme? {
        let end = bytes.count
        var index = index
        func suspend(at position: Int) -> Lexeme? {
            if atEnd { return Lexeme(kind: kind, range: start..<end) }
            pending = (kind, position - start)
            return nil
        }
        switch kind {
        case .space:
            while index < end && Self.isSpace(bytes[index]) { index += 1 }
            if index == end { return suspend(at: end) }
        case .lineComment:
            while index < end && bytes[index] != 0x0A { index += 1 }
            if index == end { return suspend(at: end) }
            index += 1
        case .blockComment:
            while true {
                guard index + 1 < end else { return suspend(at: max(index, start + 2)) }
                if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") { break }
                index += 1
            }
            index += 2
        case .string:
            let quote = bytes[start]
            while true {
                index = Self.skipPlain(bytes, from: index, quote: quote)
                guard index < end else { return suspend(at: end) }
                if bytes[index] == quote {
                    index += 1
                    break
                }
                // A backslash: with escapes it takes the next byte with it.
                if backslashEscapes {
                    guard index + 1 < end else { return suspend(at: index) }
                    index += 2
                } else {
                    index += 1
                }
            }
        case .identifier:
            while true {
                while index < end && bytes[index] != UInt8(ascii: "`") { index += 1 }
                // A backtick ends the identifier unless another follows it.
                guard index + 1 < end else {
                    if index < end && atEnd { index += 1; break }
                    return suspend(at: index)
                }
                if bytes[index + 1] == UInt8(ascii: "`") {
                    index += 2
                    continue
                }
                index += 1
                break
            }
        case .word:
            let watch = delimiter.first.map(Self.isWordByte) == true
            while index < end && Self.isWordByte(bytes[index]) {
                if watch && bytes[index] == delimiter[0] {
                    // A delimiter cut by the end of the bytes: read more before deciding.
                    if index + delimiter.count > end && !atEnd { return suspend(at: index) }
                    if Self.matches(delimiter, in: bytes, at: index) { break }
                }
                index += 1
            }
            if index == end { return suspend(at: end) }
        case .versionedOpen, .commentEnd, .symbol:
            preconditionFailure("\(kind) is read in one step")
        }
        return Lexeme(kind: kind, range: start..<index)
    }

    // MARK: Byte classes

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x24 || byte >= 0x80
    }

    /// A word's bytes as a keyword to compare: ASCII letters in upper case, every other byte as
    /// it is (a word with bytes beyond ASCII never equals a keyword).
    static func keyword<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        String(decoding: bytes.map { $0 >= 0x61 && $0 <= 0x7A ? $0 & ~0x20 : $0 }, as: UTF8.self)
    }

    /// True when `bytes` spell `word` (given in upper case), ASCII letters compared without case.
    static func isKeyword<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let keyword = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (byte, expected) in zip(bytes, keyword) where (byte >= 0x61 && byte <= 0x7A ? byte & ~0x20 : byte) != expected {
            return false
        }
        return true
    }

    static func matches(_ pattern: [UInt8], in bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// The first byte at or after `from` that is `quote` or a backslash, or the end. Most of a
    /// dump is inside quotes: 8 bytes are tested at once while none is either.
    @inline(__always)
    static func skipPlain(_ bytes: UnsafeRawBufferPointer, from: Int, quote: UInt8) -> Int {
        let end = bytes.count
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
        return end
    }

    // MARK: Taking lexemes apart

    /// An identifier's name: backticks removed, a doubled backtick made one.
    static func unquotedIdentifier(_ text: UnsafeRawBufferPointer) -> [UInt8] {
        guard text.count >= 2, text.first == UInt8(ascii: "`") else { return Array(text) }
        let closed = text.last == UInt8(ascii: "`") && text.count >= 2
        let inner = UnsafeRawBufferPointer(rebasing: text[1..<(closed ? text.count - 1 : text.count)])
        var name: [UInt8] = []
        name.reserveCapacity(inner.count)
        var index = 0
        while index < inner.count {
            let byte = inner[index]
            name.append(byte)
            index += byte == UInt8(ascii: "`") && index + 1 < inner.count && inner[index + 1] == UInt8(ascii: "`") ? 2 : 1
        }
        return name
    }

    /// A string literal's value: quotes removed, doubled quotes made one, and with
    /// `backslashEscapes` the escapes the server knows resolved.
    static func unquotedString(_ text: UnsafeRawBufferPointer, backslashEscapes: Bool = true) -> [UInt8] {
        guard let quote = text.first, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { return Array(text) }
        let closed = text.count >= 2 && text.last == quote
        let inner = UnsafeRawBufferPointer(rebasing: text[1..<(closed ? text.count - 1 : text.count)])
        var value: [UInt8] = []
        var index = 0
        while index < inner.count {
            let byte = inner[index]
            if byte == UInt8(ascii: "\\") && backslashEscapes && index + 1 < inner.count {
                let next = inner[index + 1]
                switch next {
                case UInt8(ascii: "0"): value.append(0)
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "r"): value.append(0x0D)
                case UInt8(ascii: "t"): value.append(0x09)
                case UInt8(ascii: "b"): value.append(0x08)
                case UInt8(ascii: "Z"): value.append(0x1A)
                default: value.append(next)
                }
                index += 2
            } else if byte == quote && index + 1 < inner.count && inner[index + 1] == quote {
                value.append(quote)
                index += 2
            } else {
                value.append(byte)
                index += 1
            }
        }
        return value
    }
}

extension SQLLexer {
    /// Every lexeme of a complete text (a statement, a definition) in order.
    static func lexemes(_ bytes: [UInt8], backslashEscapes: Bool = true) -> [Lexeme] {
        bytes.withUnsafeBytes { buffer in
            var lexer = SQLLexer(backslashEscapes: backslashEscapes)
            var result: [Lexeme] = []
            var index = 0
            while index < buffer.count, let lexeme = lexer.next(in: buffer, at: index, atEnd: true) {
                result.append(lexeme)
                index = lexeme.range.upperBound
            }
            return result
        }
    }
}
