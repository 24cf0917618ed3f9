import Foundation

/// Where the dump's databases go: each to itself, or (--database NAME) the dump's one
/// database, or a dump that names none, into NAME.
struct DatabaseMap: Sendable {
    /// The dump's database that --database renames (nil: the dump names none).
    var source: SQLName?
    var target: SQLName?

    func map(_ database: SQLName) -> SQLName {
        if let target, database == source { return target }
        return database
    }

    /// A statement with the database name at `range` (the name as written, quotes included)
    /// replaced by its target, quoted.
    func rewrite(_ statement: Statement, nameAt range: Range<Int>, name: SQLName) -> Statement {
        let mapped = map(name)
        guard mapped != name else { return statement }
        var rewritten = statement
        rewritten.bytes.replaceSubrange(range, with: SQLText.identifier(mapped))
        return rewritten
    }
}

/// `--defer-indexes`: CREATE TABLE without its secondary indexes, and the ALTER TABLE that
/// adds them after the rows. PRIMARY KEY and UNIQUE keys stay (they define the rows), and so
/// does any index a foreign key of the table needs (its columns start with the key's columns),
/// which InnoDB would otherwise create on its own.
///
/// Reads the statement with ``TableDefinitions``: definitions may span lines, and names may
/// hold commas, parentheses or newlines.
enum IndexDeferral {
    static func split(_ create: [UInt8], table: SQLName) -> (create: [UInt8], alter: [UInt8]?) {
        guard let definitions = TableDefinitions(create) else { return (create, nil) }
        let indexes = definitions.definitions.indices
        let foreignKeyColumns = indexes.compactMap { index -> [SQLName]? in
            let tokens = definitions.tokens[index]
            guard let foreign = (0..<tokens.count).first(where: { definitions.keyword(index, at: $0) == "FOREIGN" }) else { return nil }
            return definitions.columnList(index, from: foreign)
        }
        var deferred: [Int] = []
        for index in indexes {
            guard let first = definitions.keyword(index, at: 0), ["KEY", "INDEX", "FULLTEXT", "SPATIAL"].contains(first) else { continue }
            let columns = definitions.columnList(index)
            let neededByForeignKey = foreignKeyColumns.contains { Array(columns.prefix($0.count)) == $0 }
            if !neededByForeignKey { deferred.append(index) }
        }
        guard !deferred.isEmpty else { return (create, nil) }
        var alter: SQLText = "ALTER TABLE \(identifier: table) "
        alter += SQLText.joined(deferred.map { "ADD \(sql: definitions.text($0))" }, separator: ", ")
        return (definitions.removing(Set(deferred)), alter.bytes)
    }
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
