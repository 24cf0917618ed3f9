import Foundation

/// Where the dump's databases go: each to itself, or (--database NAME) the dump's one
/// database, or a dump that names none, into NAME.
struct DatabaseMap: Sendable {
    /// The dump's database that --database renames (nil: the dump names none).
    var source: String?
    var target: String?

    func map(_ database: String) -> String {
        if let target, database == source { return target }
        return database
    }

    /// A statement with the database name at `range` replaced by its target.
    func rewrite(_ statement: Statement, nameAt range: Range<Int>, name: String) -> Statement {
        let mapped = map(name)
        guard mapped != name else { return statement }
        var bytes = statement.bytes
        // The range is inside backquotes when the name was quoted: replace the whole quoted name.
        let quoted = range.lowerBound > 0 && bytes[range.lowerBound - 1] == UInt8(ascii: "`")
        let replaced = quoted ? (range.lowerBound - 1)..<(range.upperBound + 1) : range
        bytes.replaceSubrange(replaced, with: Array(SQLQuoting.identifier(mapped).utf8))
        var rewritten = statement
        rewritten.bytes = bytes
        return rewritten
    }
}

/// `--defer-indexes`: CREATE TABLE without its secondary indexes, and the ALTER TABLE that
/// adds them after the rows. PRIMARY KEY and UNIQUE keys stay (they define the rows), and so
/// does any index a foreign key of the table needs (its columns start with the key's columns),
/// which InnoDB would otherwise create on its own.
///
/// Works on SHOW CREATE TABLE's layout, which every dump uses: one definition per line.
enum IndexDeferral {
    static func split(_ create: [UInt8], table: String) -> (create: [UInt8], alter: [UInt8]?) {
        let text = String(decoding: create, as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        guard lines.count > 2, let close = lines.lastIndex(where: { $0.hasPrefix(")") }) else { return (create, nil) }
        let body = 1..<close
        let definitions = lines[body].map { $0.hasSuffix(",") ? String($0.dropLast()) : $0 }
        let foreignKeyColumns = definitions.compactMap { line -> [String]? in
            guard let range = line.range(of: "FOREIGN KEY (") else { return nil }
            return columns(in: String(line[range.upperBound...]))
        }
        var kept: [String] = []
        var deferred: [String] = []
        for line in definitions {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let secondary = trimmed.hasPrefix("KEY ") || trimmed.hasPrefix("INDEX ") || trimmed.hasPrefix("FULLTEXT ") || trimmed.hasPrefix("SPATIAL ")
            if secondary, let open = trimmed.firstIndex(of: "(") {
                let indexColumns = columns(in: String(trimmed[trimmed.index(after: open)...]))
                let neededByForeignKey = foreignKeyColumns.contains { Array(indexColumns.prefix($0.count)) == $0 }
                if !neededByForeignKey {
                    deferred.append(trimmed)
                    continue
                }
            }
            kept.append(line)
        }
        guard !deferred.isEmpty else { return (create, nil) }
        lines.replaceSubrange(body, with: kept.enumerated().map { $0.offset < kept.count - 1 ? $0.element + "," : $0.element })
        let alter = "ALTER TABLE \(SQLQuoting.identifier(table)) " + deferred.map { "ADD \($0)" }.joined(separator: ", ")
        return (Array(lines.joined(separator: "\n").utf8), Array(alter.utf8))
    }

    /// The column names of `` `a`,`b`(10)) ...``: up to the closing parenthesis, prefix
    /// lengths and ASC/DESC dropped.
    private static func columns(in text: String) -> [String] {
        var names: [String] = []
        var current = ""
        var quoted = false
        var depth = 0
        for character in text {
            if character == "`" {
                quoted.toggle()
                if !quoted { names.append(current); current = "" }
                continue
            }
            if quoted { current.append(character); continue }
            if character == "(" { depth += 1 }
            if character == ")" {
                if depth == 0 { break }
                depth -= 1
            }
        }
        return names
    }
}

/// `--if-not-exists`: CREATE TABLE ... becomes CREATE TABLE IF NOT EXISTS ...
enum ExistingTablePolicy {
    static func keepingExisting(_ statement: Statement) -> Statement {
        let text = String(decoding: statement.bytes, as: UTF8.self)
        guard let range = text.range(of: "CREATE TABLE ", options: [.caseInsensitive, .anchored]),
              !text[range.upperBound...].uppercased().hasPrefix("IF NOT EXISTS") else { return statement }
        var rewritten = statement
        rewritten.bytes = Array((text[..<range.upperBound] + "IF NOT EXISTS " + text[range.upperBound...]).utf8)
        return rewritten
    }
}

