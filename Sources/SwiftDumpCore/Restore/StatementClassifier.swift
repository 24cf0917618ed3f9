/// A table as a statement names it: `t`, or `db`.`t`.
struct TableName: Hashable, Sendable {
    var database: String?
    var name: String
}

/// What a statement of a dump does, as far as the restore schedules it.
enum StatementRole: Equatable, Sendable {
    /// Not sent: nothing but comments, LOCK/UNLOCK TABLES (the restore's connections load one
    /// table together and must not lock each other out), BEGIN/COMMIT (the restore sizes its
    /// own transactions).
    case skip
    /// SET of session or user variables. `restoring`: it reads a user variable (`x = @saved`),
    /// so it belongs with the statements before it that saved that variable.
    case session(restoring: Bool)
    /// Anything that affects more than one table or the server: runs alone, in order.
    case global
    /// `USE db`; `name` is where the database name is in the statement.
    case use(database: String, name: Range<Int>)
    /// CREATE/DROP DATABASE; `name` is where the name is, for --database.
    case database(name: String, nameRange: Range<Int>)
    /// A statement on one table (or sequence).
    case table(TableName, TableAction)
    /// Triggers, views, routines, events, ALTER DATABASE: after all the data.
    case object
}

enum TableAction: Equatable, Sendable {
    /// INSERT or REPLACE: rows. `afterName` is where the statement goes on after the table name.
    case insert(afterName: Int)
    /// CREATE TABLE / CREATE SEQUENCE.
    case create
    /// DROP TABLE / DROP SEQUENCE.
    case drop
    /// ALTER TABLE, TRUNCATE, SETVAL, CREATE INDEX...: ordered with the table's other statements.
    case other
}

/// A statement's first words, read the way the server reads them: comments skipped,
/// `/*!NNNNN` and `/*M!NNNNNN` markers dropped (their content is SQL), identifiers unquoted.
struct SQLTokens {
    enum Kind: Equatable {
        case word, identifier, string, variable, symbol
    }

    struct Token {
        let kind: Kind
        /// The token's text (an identifier's without its backquotes).
        let range: Range<Int>
    }

    private let bytes: [UInt8]
    private(set) var tokens: [Token] = []
    /// Where scanning stopped (after the last token read).
    private(set) var end = 0

    /// The first `limit` tokens of `bytes`.
    init(_ bytes: [UInt8], limit: Int = 24) {
        self.bytes = bytes
        var index = 0
        let count = bytes.count
        func isWordByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x24 || byte >= 0x80
        }
        while index < count && tokens.count < limit {
            let byte = bytes[index]
            if byte <= 0x20 {
                index += 1
            } else if byte == UInt8(ascii: "/") && index + 1 < count && bytes[index + 1] == UInt8(ascii: "*") {
                if index + 2 < count && (bytes[index + 2] == UInt8(ascii: "!") || (bytes[index + 2] == UInt8(ascii: "M") && index + 3 < count && bytes[index + 3] == UInt8(ascii: "!"))) {
                    // A versioned comment: skip the marker and its version digits.
                    index += bytes[index + 2] == UInt8(ascii: "!") ? 3 : 4
                    while index < count && bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
                } else {
                    index += 2
                    while index + 1 < count && !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                    index += 2
                }
            } else if byte == UInt8(ascii: "*") && index + 1 < count && bytes[index + 1] == UInt8(ascii: "/") {
                index += 2  // the end of a versioned comment
            } else if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "-") && index + 2 < count && bytes[index + 1] == UInt8(ascii: "-") && bytes[index + 2] <= 0x20) {
                while index < count && bytes[index] != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "`") {
                var close = index + 1
                while close < count {
                    if bytes[close] == UInt8(ascii: "`") {
                        if close + 1 < count && bytes[close + 1] == UInt8(ascii: "`") { close += 2; continue }
                        break
                    }
                    close += 1
                }
                tokens.append(Token(kind: .identifier, range: (index + 1)..<min(close, count)))
                index = close + 1
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                var close = index + 1
                while close < count && bytes[close] != byte {
                    close += bytes[close] == UInt8(ascii: "\\") ? 2 : 1
                }
                tokens.append(Token(kind: .string, range: (index + 1)..<min(close, count)))
                index = close + 1
            } else if byte == UInt8(ascii: "@") {
                var stop = index + 1
                if stop < count && bytes[stop] == UInt8(ascii: "@") { stop += 1 }
                if stop < count && (bytes[stop] == UInt8(ascii: "`") || bytes[stop] == UInt8(ascii: "'") || bytes[stop] == UInt8(ascii: "\"")) {
                    let quote = bytes[stop]
                    stop += 1
                    while stop < count && bytes[stop] != quote { stop += 1 }
                    stop += 1
                } else {
                    while stop < count && (isWordByte(bytes[stop]) || bytes[stop] == UInt8(ascii: ".")) { stop += 1 }
                }
                tokens.append(Token(kind: .variable, range: index..<min(stop, count)))
                index = stop
            } else if isWordByte(byte) {
                var stop = index + 1
                while stop < count && isWordByte(bytes[stop]) { stop += 1 }
                tokens.append(Token(kind: .word, range: index..<stop))
                index = stop
            } else {
                tokens.append(Token(kind: .symbol, range: index..<(index + 1)))
                index += 1
            }
        }
        end = min(index, count)
    }

    var count: Int { tokens.count }

    /// True if token `index` is the keyword `word` (given in uppercase).
    func isKeyword(_ index: Int, _ word: StaticString) -> Bool {
        guard index < tokens.count, tokens[index].kind == .word else { return false }
        let range = tokens[index].range
        guard range.count == word.utf8CodeUnitCount else { return false }
        let keyword = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for offset in 0..<range.count where bytes[range.lowerBound + offset] & ~0x20 != keyword[offset] & ~0x20 {
            // Letters compare case-insensitively; digits and '_' never differ in bit 5 here.
            return false
        }
        return true
    }

    func isSymbol(_ index: Int, _ symbol: Character) -> Bool {
        guard index < tokens.count, tokens[index].kind == .symbol, let ascii = symbol.asciiValue else { return false }
        return bytes[tokens[index].range.lowerBound] == ascii
    }

    /// The text of token `index`: an identifier unquoted (a doubled backquote made one).
    func text(_ index: Int) -> String {
        let token = tokens[index]
        let text = String(decoding: bytes[token.range], as: UTF8.self)
        return token.kind == .identifier ? text.replacing("``", with: "`") : text
    }

    /// A name (identifier or word) at `index`.
    func isName(_ index: Int) -> Bool {
        index < tokens.count && (tokens[index].kind == .identifier || tokens[index].kind == .word)
    }
}

/// The classification of dump statements; see ``StatementRole``.
enum StatementClassifier {
    static func classify(_ bytes: [UInt8]) -> StatementRole {
        let tokens = SQLTokens(bytes)
        guard tokens.count > 0 else { return .skip }
        if tokens.isKeyword(0, "SET") { return SetStatement.role(bytes, tokens) }
        if tokens.isKeyword(0, "USE"), tokens.isName(1) {
            return .use(database: tokens.text(1), name: tokens.tokens[1].range)
        }
        if tokens.isKeyword(0, "INSERT") || tokens.isKeyword(0, "REPLACE") {
            var index = 1
            while tokens.isKeyword(index, "LOW_PRIORITY") || tokens.isKeyword(index, "DELAYED") || tokens.isKeyword(index, "HIGH_PRIORITY")
                || tokens.isKeyword(index, "IGNORE") || tokens.isKeyword(index, "INTO") { index += 1 }
            guard let (name, after) = tableName(tokens, at: index) else { return .global }
            return .table(name, .insert(afterName: after < tokens.count ? tokens.tokens[after].range.lowerBound : tokens.end))
        }
        if tokens.isKeyword(0, "LOCK") || tokens.isKeyword(0, "UNLOCK") || tokens.isKeyword(0, "BEGIN") || tokens.isKeyword(0, "COMMIT")
            || (tokens.isKeyword(0, "START") && tokens.isKeyword(1, "TRANSACTION")) {
            return .skip
        }
        if tokens.isKeyword(0, "CREATE") || tokens.isKeyword(0, "DROP") || tokens.isKeyword(0, "ALTER") {
            return definition(tokens)
        }
        if tokens.isKeyword(0, "TRUNCATE") {
            let index = tokens.isKeyword(1, "TABLE") ? 2 : 1
            guard let (name, _) = tableName(tokens, at: index) else { return .global }
            return .table(name, .other)
        }
        // mariadb-dump's `SELECT SETVAL(`s`, ...)`, swiftdump's `DO SETVAL(...)`.
        if (tokens.isKeyword(0, "SELECT") || tokens.isKeyword(0, "DO")) && tokens.isKeyword(1, "SETVAL") && tokens.isSymbol(2, "("),
           let (name, _) = tableName(tokens, at: 3) {
            return .table(name, .other)
        }
        return .global
    }

    /// `name` or `db`.`name` at `index`; returns it and the index of the token after it.
    private static func tableName(_ tokens: SQLTokens, at index: Int) -> (TableName, Int)? {
        guard tokens.isName(index) else { return nil }
        if tokens.isSymbol(index + 1, "."), tokens.isName(index + 2) {
            return (TableName(database: tokens.text(index), name: tokens.text(index + 2)), index + 3)
        }
        return (TableName(database: nil, name: tokens.text(index)), index + 1)
    }

    /// CREATE, DROP and ALTER of every kind.
    private static func definition(_ tokens: SQLTokens) -> StatementRole {
        let verb = tokens.isKeyword(0, "CREATE") ? 0 : tokens.isKeyword(0, "DROP") ? 1 : 2
        var index = skipModifiers(tokens, from: 1)
        if tokens.isKeyword(index, "TABLE") || tokens.isKeyword(index, "SEQUENCE") {
            index += 1
            if tokens.isKeyword(index, "IF") { index += tokens.isKeyword(index + 1, "NOT") ? 3 : 2 }
            guard let (name, after) = tableName(tokens, at: index) else { return .global }
            switch verb {
            case 0: return .table(name, .create)
            case 1: return tokens.isSymbol(after, ",") ? .global : .table(name, .drop)
            default: return .table(name, .other)
            }
        }
        if tokens.isKeyword(index, "DATABASE") || tokens.isKeyword(index, "SCHEMA") {
            if verb == 2 { return .object }  // ALTER DATABASE: mysqldump puts it around routines
            index += 1
            if tokens.isKeyword(index, "IF") { index += tokens.isKeyword(index + 1, "NOT") ? 3 : 2 }
            guard tokens.isName(index) else { return .global }
            return .database(name: tokens.text(index), nameRange: tokens.tokens[index].range)
        }
        for kind in objectKinds where tokens.isKeyword(index, kind) { return .object }
        if tokens.isKeyword(index, "INDEX") {
            // CREATE INDEX i ON t / DROP INDEX i ON t.
            var on = index + 1
            if tokens.isKeyword(on, "IF") { on += tokens.isKeyword(on + 1, "NOT") ? 3 : 2 }
            on += 1
            if tokens.isKeyword(on, "ON"), let (name, _) = tableName(tokens, at: on + 1) { return .table(name, .other) }
        }
        return .global
    }

    private static let objectKinds: [StaticString] = ["VIEW", "TRIGGER", "FUNCTION", "PROCEDURE", "EVENT", "PACKAGE"]

    /// Modifiers between CREATE/DROP/ALTER and the kind of object: OR REPLACE, TEMPORARY,
    /// ALGORITHM=..., DEFINER=user@host, SQL SECURITY ..., AGGREGATE, ONLINE, IGNORE,
    /// UNIQUE/FULLTEXT/SPATIAL (indexes). Returns the index of the kind.
    private static func skipModifiers(_ tokens: SQLTokens, from start: Int) -> Int {
        var index = start
        while index < tokens.count {
            if tokens.isKeyword(index, "OR") && tokens.isKeyword(index + 1, "REPLACE") {
                index += 2
            } else if tokens.isKeyword(index, "TEMPORARY") || tokens.isKeyword(index, "AGGREGATE") || tokens.isKeyword(index, "ONLINE")
                        || tokens.isKeyword(index, "OFFLINE") || tokens.isKeyword(index, "IGNORE") || tokens.isKeyword(index, "UNIQUE")
                        || tokens.isKeyword(index, "FULLTEXT") || tokens.isKeyword(index, "SPATIAL") {
                index += 1
            } else if tokens.isKeyword(index, "ALGORITHM") && tokens.isSymbol(index + 1, "=") {
                index += 3
            } else if tokens.isKeyword(index, "SQL") && tokens.isKeyword(index + 1, "SECURITY") {
                index += 3
            } else if tokens.isKeyword(index, "DEFINER") && tokens.isSymbol(index + 1, "=") {
                index += 2
                if tokens.isKeyword(index, "CURRENT_USER") {
                    index += 1
                    if tokens.isSymbol(index, "(") && tokens.isSymbol(index + 1, ")") { index += 2 }
                } else {
                    index += 1
                    if tokens.isSymbol(index, "@") {
                        index += 2
                    } else if index < tokens.count && tokens.tokens[index].kind == .variable {
                        index += 1
                    }
                }
            } else {
                break
            }
        }
        return index
    }

    /// The kind and name of the view, trigger, routine or event a CREATE statement makes.
    static func createdObject(_ bytes: [UInt8]) -> (kind: String, database: String?, name: String)? {
        let tokens = SQLTokens(bytes)
        guard tokens.isKeyword(0, "CREATE") else { return nil }
        var index = skipModifiers(tokens, from: 1)
        guard objectKinds.contains(where: { tokens.isKeyword(index, $0) }) else { return nil }
        var kind = tokens.text(index).uppercased()
        index += 1
        if kind == "PACKAGE" && tokens.isKeyword(index, "BODY") {
            kind += " BODY"
            index += 1
        }
        if tokens.isKeyword(index, "IF") { index += 3 }
        guard let (name, _) = tableName(tokens, at: index) else { return nil }
        return (kind.lowercased(), name.database, name.name)
    }
}

/// SET statements taken apart: which variables they assign, and from what.
enum SetStatement {
    struct Value {
        /// A quoted literal.
        var literal: String?
        /// `@name`: a user variable (lowercased, with its @).
        var userVariable: String?
        /// `@@name`, `@@session.name`: a system variable (lowercased, without prefix).
        var systemVariable: String?
    }

    /// The assignments of a SET statement, or nil if `statement` is not one. Names are
    /// lowercased; session variables without `@@`/`SESSION` prefixes; user variables with @.
    static func assignments(_ statement: [UInt8]) -> [(String, Value)]? {
        let tokens = SQLTokens(statement, limit: 200)
        guard tokens.isKeyword(0, "SET") else { return nil }
        var result: [(String, Value)] = []
        var index = 1
        while index < tokens.count {
            if tokens.isKeyword(index, "SESSION") || tokens.isKeyword(index, "LOCAL") { index += 1 }
            guard index < tokens.count else { break }
            var name: String
            if tokens.tokens[index].kind == .variable {
                name = tokens.text(index).lowercased()
                for prefix in ["@@session.", "@@local.", "@@"] where name.hasPrefix(prefix) {
                    name.removeFirst(prefix.count)
                    break
                }
            } else if tokens.isName(index) {
                name = tokens.text(index).lowercased()
            } else {
                return result
            }
            index += 1
            if tokens.isSymbol(index, ":") { index += 1 }
            if tokens.isSymbol(index, "=") { index += 1 }
            var value = Value()
            let valueStart = index
            var depth = 0
            while index < tokens.count && !(depth == 0 && tokens.isSymbol(index, ",")) {
                if tokens.isSymbol(index, "(") { depth += 1 }
                if tokens.isSymbol(index, ")") { depth -= 1 }
                index += 1
            }
            if index - valueStart == 1 {
                let token = tokens.tokens[valueStart]
                switch token.kind {
                case .string:
                    value.literal = tokens.text(valueStart)
                case .variable:
                    let text = tokens.text(valueStart).lowercased()
                    if text.hasPrefix("@@") {
                        var system = String(text.dropFirst(2))
                        for prefix in ["session.", "local."] where system.hasPrefix(prefix) { system.removeFirst(prefix.count) }
                        value.systemVariable = system
                    } else {
                        value.userVariable = text
                    }
                default:
                    break
                }
            }
            result.append((name, value))
            index += 1  // the comma
        }
        return result
    }

    static func role(_ statement: [UInt8], _ tokens: SQLTokens) -> StatementRole {
        // Server-wide settings and account statements run alone, in order.
        if tokens.isKeyword(1, "GLOBAL") || tokens.isKeyword(1, "PERSIST") || tokens.isKeyword(1, "PERSIST_ONLY")
            || tokens.isKeyword(1, "PASSWORD") || tokens.isKeyword(1, "ROLE") || tokens.isKeyword(1, "DEFAULT")
            || tokens.isKeyword(1, "STATEMENT") {
            return .global
        }
        let assignments = assignments(statement) ?? []
        if assignments.contains(where: { $0.0.hasPrefix("global.") }) { return .global }
        return .session(restoring: assignments.contains { $0.1.userVariable != nil })
    }
}
