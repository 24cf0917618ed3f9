/// An object as a statement names it: `t`, or `db`.`t`.
struct TableReference: Hashable, Sendable {
    var database: SQLName?
    var table: SQLName

    /// The table, in `current` when the statement names no database.
    func resolved(in current: SQLName?) -> TableID? {
        guard let database = database ?? current else { return nil }
        return TableID(database: database, table: table)
    }
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
    /// `USE db`; `name` is where the database name is in the statement (quotes included).
    case use(database: SQLName, name: Range<Int>)
    /// CREATE/DROP DATABASE; `nameRange` is where the name is (quotes included), for --database.
    case database(name: SQLName, nameRange: Range<Int>)
    /// A statement on one table (or sequence).
    case table(TableReference, TableAction)
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

/// The classification of dump statements; see ``StatementRole``.
enum StatementClassifier {
    static func classify(_ bytes: [UInt8]) -> StatementRole {
        let tokens = SQLTokens(bytes)
        guard tokens.count > 0 else { return .skip }
        if tokens.isKeyword(0, "SET") { return SetStatement.role(bytes, tokens) }
        if tokens.isKeyword(0, "USE"), tokens.isName(1) {
            return .use(database: tokens.name(1), name: tokens.tokens[1].range)
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
    private static func tableName(_ tokens: SQLTokens, at index: Int) -> (TableReference, Int)? {
        guard tokens.isName(index) else { return nil }
        if tokens.isSymbol(index + 1, "."), tokens.isName(index + 2) {
            return (TableReference(database: tokens.name(index), table: tokens.name(index + 2)), index + 3)
        }
        return (TableReference(database: nil, table: tokens.name(index)), index + 1)
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
            return .database(name: tokens.name(index), nameRange: tokens.tokens[index].range)
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

    /// How a CREATE or DROP of one table (``TableAction/create``, ``TableAction/drop``) is
    /// ordered among the others. A DROP, a CREATE SEQUENCE and a CREATE TABLE of its own
    /// columns on one of the server's own storage engines touch their table alone; a foreign
    /// key is no reason to wait (FOREIGN_KEY_CHECKS=0 in every session, and the old tables are
    /// dropped before any is created). Words are read outside quotes and comments; one that
    /// could name another object (LIKE, SELECT, a sequence function, a MERGE table's UNION)
    /// makes the statement wait for the DDL before it, even where it was not meant so (a CHECK
    /// with LIKE): slower, never wrong.
    static func schemaStep(_ bytes: [UInt8]) -> RestoreItem.SchemaStep {
        let tokens = SQLTokens(bytes, limit: .max)
        guard tokens.isKeyword(0, "CREATE") else { return .standalone }
        let kind = skipModifiers(tokens, from: 1)
        guard tokens.isKeyword(kind, "TABLE") else { return .standalone }
        for index in (kind + 1)..<tokens.count where tokens.tokens[index].kind == .word {
            if readingWords.contains(where: { tokens.isKeyword(index, $0) }) { return .dependent }
            if tokens.isKeyword(index, "ENGINE") {
                let value = tokens.isSymbol(index + 1, "=") ? index + 2 : index + 1
                guard value < tokens.count else { return .dependent }
                let engine = tokens.text(value)
                if !localEngines.contains(where: { SQLLexer.isKeyword(engine, $0) }) { return .dependent }
            }
        }
        return .standalone
    }

    /// Words with which a CREATE TABLE may read another table or a sequence.
    private static let readingWords: [StaticString] = [
        "LIKE", "SELECT", "TABLE", "UNION", "NEXTVAL", "LASTVAL", "SETVAL", "NEXT", "PREVIOUS",
    ]

    /// Engines that keep a table to themselves (CONNECT, FEDERATED, SPIDER or MERGE may open others).
    private static let localEngines: [StaticString] = [
        "INNODB", "MYISAM", "ARIA", "MEMORY", "HEAP", "CSV", "ARCHIVE", "BLACKHOLE", "ROCKSDB",
    ]

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
    static func createdObject(_ bytes: [UInt8]) -> (kind: String, name: TableReference)? {
        let tokens = SQLTokens(bytes)
        guard tokens.isKeyword(0, "CREATE") else { return nil }
        var index = skipModifiers(tokens, from: 1)
        guard objectKinds.contains(where: { tokens.isKeyword(index, $0) }) else { return nil }
        var kind = SQLLexer.keyword(tokens.text(index))
        index += 1
        if kind == "PACKAGE" && tokens.isKeyword(index, "BODY") {
            kind += " BODY"
            index += 1
        }
        if tokens.isKeyword(index, "IF") { index += 3 }
        guard let (name, _) = tableName(tokens, at: index) else { return nil }
        return (kind.lowercased(), name)
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
        /// A bare word (`utf8mb4`, `DEFAULT`), ASCII lowercased.
        var word: [UInt8]?
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
                name = tokens.lowercasedText(index)
                for prefix in ["@@session.", "@@local.", "@@"] where name.hasPrefix(prefix) {
                    name.removeFirst(prefix.count)
                    break
                }
            } else if tokens.isName(index) {
                name = tokens.lowercasedText(index)
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
                    value.literal = String(decoding: tokens.text(valueStart), as: UTF8.self)
                case .variable:
                    let text = tokens.lowercasedText(valueStart)
                    if text.hasPrefix("@@") {
                        var system = String(text.dropFirst(2))
                        for prefix in ["session.", "local."] where system.hasPrefix(prefix) { system.removeFirst(prefix.count) }
                        value.systemVariable = system
                    } else {
                        value.userVariable = text
                    }
                case .word:
                    value.word = Array(tokens.lowercasedText(valueStart).utf8)
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
