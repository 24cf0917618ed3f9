/// Rewrites of the CREATE statements the server writes, each reading the statement with
/// ``SQLLexer`` and changing only the bytes of the clause it is about: names, comments and
/// string defaults that look like SQL stay as they are. The dump defers foreign keys, moves
/// DEFINER clauses and unqualifies sequences; the restore defers secondary indexes and keeps
/// existing tables.

/// The `` `db`.`name` `` references in a definition, read by ``SQLLexer`` (text inside string
/// literals is never a reference).
enum QualifiedReferences {
    static func `in`(_ definition: [UInt8]) -> Set<TableID> {
        let tokens = SQLLexer.lexemes(definition).filter { $0.kind != .space && $0.kind != .lineComment && $0.kind != .blockComment }
        var found: Set<TableID> = []
        definition.withUnsafeBytes { bytes in
            for index in 0..<max(0, tokens.count - 2) where tokens[index].kind == .identifier && tokens[index + 2].kind == .identifier
                && tokens[index + 1].kind == .symbol && bytes[tokens[index + 1].range.lowerBound] == UInt8(ascii: ".") {
                found.insert(TableID(database: SQLName(bytes: SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: bytes[tokens[index].range]))),
                                     table: SQLName(bytes: SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: bytes[tokens[index + 2].range])))))
            }
        }
        return found
    }
}

/// The top-level parts of a `CREATE TABLE` statement as ``SQLLexer`` reads it: the column,
/// key and constraint definitions between its outer parentheses, each a byte range, so they
/// can be taken out or moved without touching the bytes around them (a definition may span
/// lines, a name or a comment may hold a comma, a parenthesis or a newline).
struct TableDefinitions {
    let statement: [UInt8]
    /// Each definition's bytes, without the comma and the whitespace around it.
    let definitions: [Range<Int>]
    /// The lexemes of each definition that count (no whitespace or comments).
    let tokens: [[SQLLexer.Lexeme]]

    init?(_ statement: [UInt8]) {
        self.statement = statement
        let lexemes = SQLLexer.lexemes(statement)
        var depth = 0
        var definitions: [Range<Int>] = []
        var tokens: [[SQLLexer.Lexeme]] = []
        var current: [SQLLexer.Lexeme] = []
        var closed = false
        func isSymbol(_ lexeme: SQLLexer.Lexeme, _ byte: UInt8) -> Bool {
            lexeme.kind == .symbol && statement[lexeme.range.lowerBound] == byte
        }
        func finish() {
            guard let first = current.first, let last = current.last else { return }
            definitions.append(first.range.lowerBound..<last.range.upperBound)
            tokens.append(current)
            current = []
        }
        for lexeme in lexemes {
            if isSymbol(lexeme, UInt8(ascii: "(")) {
                depth += 1
                if depth == 1 { continue }
            } else if isSymbol(lexeme, UInt8(ascii: ")")) {
                depth -= 1
                if depth == 0 {
                    finish()
                    closed = true
                    break
                }
            } else if depth == 1 && isSymbol(lexeme, UInt8(ascii: ",")) {
                finish()
                continue
            }
            guard depth >= 1, lexeme.kind != .space, lexeme.kind != .lineComment, lexeme.kind != .blockComment else { continue }
            current.append(lexeme)
        }
        guard closed, !definitions.isEmpty else { return nil }
        self.definitions = definitions
        self.tokens = tokens
    }

    /// The statement without the definitions at `removed`, the commas fixed: every kept
    /// definition keeps the separator that followed it in the original.
    func removing(_ removed: Set<Int>) -> [UInt8] {
        let kept = definitions.indices.filter { !removed.contains($0) }
        guard !removed.isEmpty, !kept.isEmpty else { return statement }
        var result = Array(statement[..<definitions[0].lowerBound])
        for (order, index) in kept.enumerated() {
            if order > 0 {
                let previous = kept[order - 1]
                result += statement[definitions[previous].upperBound..<definitions[previous + 1].lowerBound]
            }
            result += statement[definitions[index]]
        }
        result += statement[definitions[definitions.count - 1].upperBound...]
        return result
    }

    func text(_ index: Int) -> [UInt8] { Array(statement[definitions[index]]) }

    /// The `ENGINE=` table option after the definitions, in upper case; nil without one.
    var engine: String? {
        let options = Array(statement[definitions[definitions.count - 1].upperBound...])
        let tokens = SQLLexer.lexemes(options).filter { $0.kind != .space && $0.kind != .lineComment && $0.kind != .blockComment }
        guard let option = tokens.firstIndex(where: { $0.kind == .word && SQLLexer.keyword(options[$0.range]) == "ENGINE" }) else { return nil }
        var value = option + 1
        if value < tokens.count && tokens[value].kind == .symbol && options[tokens[value].range.lowerBound] == UInt8(ascii: "=") { value += 1 }
        guard value < tokens.count else { return nil }
        let name = options.withUnsafeBytes { SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: $0[tokens[value].range])) }
        return SQLLexer.keyword(name)
    }

    /// True if definition `index` starts with the keywords `words` (uppercase).
    func starts(_ index: Int, with words: [String]) -> Bool {
        words.enumerated().allSatisfy { keyword(index, at: $0.offset) == $0.element }
    }

    /// Token `position` of definition `index` in upper case, if it is a word.
    func keyword(_ index: Int, at position: Int) -> String? {
        let tokens = tokens[index]
        guard position < tokens.count, tokens[position].kind == .word else { return nil }
        return SQLLexer.keyword(statement[tokens[position].range])
    }

    /// The name a definition starts with after its leading keywords (`CONSTRAINT `name``,
    /// a column's name): the lexeme at `position`, unquoted.
    func name(_ index: Int, at position: Int) -> SQLName? {
        let tokens = tokens[index]
        guard position < tokens.count, tokens[position].kind == .identifier || tokens[position].kind == .word else { return nil }
        return statement.withUnsafeBytes { SQLName(bytes: SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: $0[tokens[position].range]))) }
    }

    /// The names in the first parenthesised list of definition `index` at or after token
    /// `from`: `(`a`,`b`(10) DESC)` gives a, b.
    func columnList(_ index: Int, from: Int = 0) -> [SQLName] {
        let tokens = tokens[index]
        guard let open = tokens[from...].firstIndex(where: { $0.kind == .symbol && statement[$0.range.lowerBound] == UInt8(ascii: "(") }) else { return [] }
        var names: [SQLName] = []
        var depth = 0
        var expectName = true
        for position in open..<tokens.count {
            let token = tokens[position]
            let byte = statement[token.range.lowerBound]
            if token.kind == .symbol && byte == UInt8(ascii: "(") { depth += 1; continue }
            if token.kind == .symbol && byte == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { break }
                continue
            }
            if depth == 1 && token.kind == .symbol && byte == UInt8(ascii: ",") { expectName = true; continue }
            if depth == 1 && expectName && (token.kind == .identifier || token.kind == .word) {
                names.append(statement.withUnsafeBytes { SQLName(bytes: SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: $0[token.range]))) })
                expectName = false
            }
        }
        return names
    }
}

/// Takes named FOREIGN KEY clauses out of a `SHOW CREATE TABLE` statement, to add them later
/// with `ALTER TABLE ... ADD`: the statement without them (commas fixed), and the clauses.
enum ForeignKeyDeferral {
    static func split(_ statement: [UInt8], removing names: Set<SQLName>) -> (statement: [UInt8], clauses: [[UInt8]]) {
        guard !names.isEmpty, let table = TableDefinitions(statement) else { return (statement, []) }
        var removed: Set<Int> = []
        var clauses: [[UInt8]] = []
        for index in table.definitions.indices where table.starts(index, with: ["CONSTRAINT"]) {
            guard let name = table.name(index, at: 1), names.contains(name), table.keyword(index, at: 2) == "FOREIGN" else { continue }
            removed.insert(index)
            clauses.append(table.text(index))
        }
        return (table.removing(removed), clauses)
    }
}

/// Index deferral (a restore's default; `--no-defer-indexes` turns it off): CREATE TABLE
/// without its secondary indexes, and the ALTER TABLE that adds them after the rows, when the
/// server builds each index once, sorted, instead of row by row.
///
/// Only plain `KEY`/`INDEX` definitions of an InnoDB table are deferred. What stays: PRIMARY
/// KEY and UNIQUE keys (they define the rows); any index a foreign key of the table needs (its
/// columns start with the key's columns; InnoDB would otherwise create one of its own); an
/// index whose first column is AUTO_INCREMENT (the table cannot be created without it);
/// FULLTEXT and SPATIAL indexes (InnoDB adds one FULLTEXT index per ALTER, rebuilding the
/// table); every index of another engine (MyISAM rebuilds the table to add one, and
/// mysqldump's DISABLE KEYS already defers its indexes); and a plain index listed before one
/// of those that stay (the restored table lists its indexes in the original's order).
///
/// Reads the statement with ``TableDefinitions``: definitions may span lines, and names may
/// hold commas, parentheses or newlines.
enum IndexDeferral {
    static func split(_ create: [UInt8], table: SQLName) -> (create: [UInt8], alter: [UInt8]?) {
        guard let definitions = TableDefinitions(create), definitions.engine == "INNODB" else { return (create, nil) }
        let indexes = definitions.definitions.indices
        let foreignKeyColumns = indexes.compactMap { index -> [SQLName]? in
            let tokens = definitions.tokens[index]
            guard let foreign = (0..<tokens.count).first(where: { definitions.keyword(index, at: $0) == "FOREIGN" }) else { return nil }
            return definitions.columnList(index, from: foreign)
        }
        let autoIncrementColumns = Set(indexes.compactMap { index -> SQLName? in
            guard definitions.tokens[index].first?.kind == .identifier || !definitionKeywords.contains(definitions.keyword(index, at: 0) ?? ""),
                  (1..<definitions.tokens[index].count).contains(where: { definitions.keyword(index, at: $0) == "AUTO_INCREMENT" }) else { return nil }
            return definitions.name(index, at: 0)
        })
        // The server lists non-unique keys (SPATIAL ones too, FULLTEXT ones last) in the order
        // they were added: only those after the last one that stays are deferred, so the
        // restored table's SHOW CREATE TABLE lists its keys as the original's does.
        var deferred: [Int] = []
        for index in indexes {
            guard let first = definitions.keyword(index, at: 0), ["KEY", "INDEX", "SPATIAL"].contains(first) else { continue }
            let columns = definitions.columnList(index)
            let neededByForeignKey = foreignKeyColumns.contains { Array(columns.prefix($0.count)) == $0 }
            let neededByAutoIncrement = columns.first.map(autoIncrementColumns.contains) ?? false
            if first == "SPATIAL" || neededByForeignKey || neededByAutoIncrement {
                deferred = []
            } else {
                deferred.append(index)
            }
        }
        guard !deferred.isEmpty else { return (create, nil) }
        var alter: SQLText = "ALTER TABLE \(identifier: table) "
        alter += SQLText.joined(deferred.map { "ADD \(sql: definitions.text($0))" }, separator: ", ")
        return (definitions.removing(Set(deferred)), alter.bytes)
    }

    /// The words a definition that is not a column's starts with.
    private static let definitionKeywords: Set<String> = ["PRIMARY", "UNIQUE", "KEY", "INDEX", "FULLTEXT", "SPATIAL", "CONSTRAINT",
                                                           "FOREIGN", "CHECK", "PERIOD"]
}

/// `--if-not-exists`: CREATE TABLE ... becomes CREATE TABLE IF NOT EXISTS ...
enum ExistingTablePolicy {
    static func keepingExisting(_ statement: Statement) -> Statement {
        let tokens = SQLTokens(statement.bytes, limit: 5)
        guard tokens.isKeyword(0, "CREATE"), tokens.isKeyword(1, "TABLE"), !tokens.isKeyword(2, "IF"), tokens.count > 2 else { return statement }
        var rewritten = statement
        rewritten.bytes.insert(contentsOf: Array("IF NOT EXISTS ".utf8), at: tokens.tokens[2].range.lowerBound)
        return rewritten
    }
}

/// The `DEFINER=user@host` clause of a view, trigger, routine or event: taken out
/// (--skip-definer) or put in its own versioned comment, as mariadb-dump writes it.
enum DefinerClause {
    /// The head of a CREATE statement as the server wrote it — its words up to the kind of
    /// object — read by ``SQLLexer``, so that a quote, a keyword or a space inside a definer's
    /// name or the object's name is never taken for the clause around it.
    struct CreateHead {
        /// Where `DEFINER=user@host` starts (the space before it, if any) and ends.
        var definer: Range<Int>?
        /// The space before `SQL SECURITY`, if there is such a clause.
        var security: Int?
        /// The space before the kind keyword (`VIEW`, `TRIGGER`, `EVENT`...).
        var keyword: Int?

        init(_ statement: [UInt8], keyword kinds: [String]) {
            let all = SQLLexer.lexemes(statement)
            // The lexemes that count, each with where the space before it starts.
            var tokens: [(lexeme: SQLLexer.Lexeme, spaceStart: Int)] = []
            for (index, lexeme) in all.enumerated() where ![.space, .lineComment, .blockComment].contains(lexeme.kind) {
                let spaceStart = index > 0 && all[index - 1].kind == .space ? all[index - 1].range.lowerBound : lexeme.range.lowerBound
                tokens.append((lexeme, spaceStart))
            }
            func word(_ index: Int) -> String? {
                guard index < tokens.count, tokens[index].lexeme.kind == .word else { return nil }
                return String(decoding: statement[tokens[index].lexeme.range], as: UTF8.self).uppercased()
            }
            func symbol(_ index: Int, _ byte: UInt8) -> Bool {
                index < tokens.count && tokens[index].lexeme.kind == .symbol && statement[tokens[index].lexeme.range.lowerBound] == byte
            }
            var index = 0
            while index < tokens.count {
                let current = word(index)
                if let current, kinds.contains(current) {
                    keyword = tokens[index].spaceStart
                    return
                }
                if current == "DEFINER" && definer == nil && symbol(index + 1, UInt8(ascii: "=")) {
                    // user, then @host: each a quoted name, a string or a bare word.
                    var last = index + 2
                    if symbol(last + 1, UInt8(ascii: "@")) && last + 2 < tokens.count { last += 2 }
                    guard last < tokens.count else { return }
                    definer = tokens[index].spaceStart..<tokens[last].lexeme.range.upperBound
                    index = last + 1
                    continue
                }
                if current == "SQL" && security == nil && word(index + 1) == "SECURITY" { security = tokens[index].spaceStart }
                index += 1
            }
        }
    }

    /// `statement` without its `DEFINER=user@host` clause (--skip-definer): the object is then
    /// created with the loading account as its definer.
    static func removed(from statement: [UInt8]) -> [UInt8] {
        guard let definer = CreateHead(statement, keyword: objectKinds).definer else { return statement }
        return Array(statement[..<definer.lowerBound]) + Array(statement[definer.upperBound...])
    }

    private static let objectKinds = ["VIEW", "TRIGGER", "EVENT", "FUNCTION", "PROCEDURE", "PACKAGE", "AGGREGATE"]

    /// Puts `DEFINER=...` in its own versioned comment, as mariadb-dump does, so servers that
    /// do not know DEFINER skip it: `CREATE DEFINER=x TRIGGER t` becomes
    /// `CREATE*/ /*!50017 DEFINER=x*/ /*!50003 TRIGGER t`.
    static func covered(_ statement: [UInt8], definerVersion: String, statementVersion: String, keyword: String) -> [UInt8] {
        let head = CreateHead(statement, keyword: [keyword])
        guard let definer = head.definer, let body = head.keyword, body >= definer.upperBound else { return statement }
        return Array(statement[..<definer.lowerBound]) + Array("*/ /*!\(definerVersion)".utf8)
            + Array(statement[definer.lowerBound..<body]) + Array("*/ /*!\(statementVersion)".utf8)
            + Array(statement[body...])
    }
}

/// Sequences named by a column's DEFAULT.
enum SequenceReferences {
    /// SHOW CREATE TABLE names a sequence used by a DEFAULT with its database
    /// (`nextval(`db`.`s`)`): restored under another name, the table would keep drawing from the
    /// old database's sequence. A sequence of the table's own database is written unqualified.
    /// Read by ``SQLLexer``: the same text inside a comment or a string default stays as it is.
    static func unqualified(_ statement: [UInt8], database: SQLName) -> [UInt8] {
        let prefix = Array("nextval(".utf8) + SQLText.identifier(database) + [UInt8(ascii: ".")]
        guard statement.firstRange(of: prefix) != nil else { return statement }
        let tokens = SQLLexer.lexemes(statement).filter { $0.kind != .space }
        var removed: [Range<Int>] = []
        for index in 0..<max(0, tokens.count - 3) {
            let (word, open, name, dot) = (tokens[index], tokens[index + 1], tokens[index + 2], tokens[index + 3])
            guard word.kind == .word, SQLLexer.isKeyword(statement[word.range], "NEXTVAL"),
                  open.kind == .symbol, statement[open.range.lowerBound] == UInt8(ascii: "("),
                  name.kind == .identifier, dot.kind == .symbol, statement[dot.range.lowerBound] == UInt8(ascii: "."),
                  statement.withUnsafeBytes({ SQLLexer.unquotedIdentifier(UnsafeRawBufferPointer(rebasing: $0[name.range])) }) == database.bytes
            else { continue }
            removed.append(name.range.lowerBound..<dot.range.upperBound)
        }
        var result = statement
        for range in removed.reversed() { result.removeSubrange(range) }
        return result
    }
}
