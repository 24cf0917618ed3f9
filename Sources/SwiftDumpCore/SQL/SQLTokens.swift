/// A statement's first tokens, read by ``SQLLexer`` the way the server reads them: whitespace
/// and comments skipped, `/*!NNNNN` and `/*M!NNNNNN` markers dropped (their content is SQL).
struct SQLTokens {
    enum Kind: Equatable {
        case word, identifier, string, variable, symbol
    }

    struct Token {
        let kind: Kind
        /// The token's bytes in the statement, quotes included.
        let range: Range<Int>
    }

    private let bytes: [UInt8]
    private(set) var tokens: [Token] = []
    /// Where reading stopped (after the last token read).
    private(set) var end = 0

    /// The first `limit` tokens of `bytes`.
    init(_ bytes: [UInt8], limit: Int = 24, backslashEscapes: Bool = true) {
        self.bytes = bytes
        var tokens: [Token] = []
        var index = 0
        bytes.withUnsafeBytes { buffer in
            var lexer = SQLLexer(backslashEscapes: backslashEscapes)
            func read(at position: Int) -> SQLLexer.Lexeme? {
                position < buffer.count ? lexer.next(in: buffer, at: position, atEnd: true) : nil
            }
            while tokens.count < limit, let lexeme = read(at: index) {
                index = lexeme.range.upperBound
                switch lexeme.kind {
                case .space, .lineComment, .blockComment, .versionedOpen, .commentEnd:
                    continue
                case .word:
                    tokens.append(Token(kind: .word, range: lexeme.range))
                case .identifier:
                    tokens.append(Token(kind: .identifier, range: lexeme.range))
                case .string:
                    tokens.append(Token(kind: .string, range: lexeme.range))
                case .symbol where buffer[lexeme.range.lowerBound] == UInt8(ascii: "@"):
                    // A variable: @name, @@name, @@session.name, @`name`, @'name'.
                    if let second = read(at: index), second.kind == .symbol, buffer[second.range.lowerBound] == UInt8(ascii: "@") {
                        index = second.range.upperBound
                    }
                    while let part = read(at: index), [.word, .identifier, .string].contains(part.kind) {
                        index = part.range.upperBound
                        guard let dot = read(at: index), dot.kind == .symbol, buffer[dot.range.lowerBound] == UInt8(ascii: "."),
                              let after = read(at: dot.range.upperBound), after.kind == .word || after.kind == .identifier else { break }
                        index = dot.range.upperBound
                    }
                    tokens.append(Token(kind: .variable, range: lexeme.range.lowerBound..<index))
                case .symbol:
                    tokens.append(Token(kind: .symbol, range: lexeme.range))
                }
            }
        }
        self.tokens = tokens
        end = min(index, bytes.count)
    }

    var count: Int { tokens.count }

    /// True if token `index` is the keyword `word` (given in uppercase).
    func isKeyword(_ index: Int, _ word: StaticString) -> Bool {
        guard index < tokens.count, tokens[index].kind == .word else { return false }
        return SQLLexer.isKeyword(bytes[tokens[index].range], word)
    }

    func isSymbol(_ index: Int, _ symbol: Unicode.Scalar) -> Bool {
        guard index < tokens.count, tokens[index].kind == .symbol else { return false }
        return bytes[tokens[index].range.lowerBound] == UInt8(ascii: symbol)
    }

    /// The bytes of token `index`: an identifier's name unquoted, a string's value unquoted.
    func text(_ index: Int) -> [UInt8] {
        let token = tokens[index]
        return bytes.withUnsafeBytes { buffer in
            let raw = UnsafeRawBufferPointer(rebasing: buffer[token.range])
            switch token.kind {
            case .identifier: return SQLLexer.unquotedIdentifier(raw)
            case .string: return SQLLexer.unquotedString(raw)
            default: return Array(raw)
            }
        }
    }

    /// Token `index` as text with ASCII letters in lower case: variable names, sql_mode values.
    func lowercasedText(_ index: Int) -> String {
        String(decoding: text(index).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The name at `index` (identifier or word).
    func name(_ index: Int) -> SQLName { SQLName(bytes: text(index)) }

    /// A name (identifier or word) at `index`.
    func isName(_ index: Int) -> Bool {
        index < tokens.count && (tokens[index].kind == .identifier || tokens[index].kind == .word)
    }
}
