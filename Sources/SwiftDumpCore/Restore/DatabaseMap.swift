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
