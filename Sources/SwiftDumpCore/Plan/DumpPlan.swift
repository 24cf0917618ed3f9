/// What the dump writes, in which order: databases ordered by their cross-database foreign
/// keys, each database's sequences, then tables parents-first, then views; and the foreign
/// keys that wait until all data is loaded — those that close a cycle, and those that reference
/// their own table (whose rows may arrive child first).
struct DumpPlan {
    struct Database {
        let name: SQLName
        /// Sequences, tables (in load order), views: as the dump writes them.
        let entries: [Catalog.Entry]
    }

    let databases: [Database]
    /// Constraint names to leave out of CREATE TABLE and add after the data, by table.
    let deferred: [TableID: Set<SQLName>]
    /// Every view, each after the views it selects from (in `.name` order: by database, as listed).
    let views: [TableID]

    func deferredConstraints(_ table: TableID) -> Set<SQLName> {
        deferred[table] ?? []
    }

    /// With `.name` order: everything as the server lists it and nothing deferred (mariadb-dump).
    ///
    /// `viewDefinitions` are the views' definitions with qualified references (`db`.`name`), as
    /// INFORMATION_SCHEMA.VIEWS gives them: a view depends on every dumped view it names.
    static func make(databases names: [SQLName], entries: [SQLName: [Catalog.Entry]], foreignKeys: [Catalog.ForeignKey],
                     viewDefinitions: [TableID: [UInt8]] = [:], order: DumpOptions.Order) -> DumpPlan {
        let viewsAsListed = names.flatMap { database in
            (entries[database] ?? []).filter { $0.kind == .view }.map { TableID(database: database, table: $0.name) }
        }
        guard order == .dependencies else {
            return DumpPlan(databases: names.map { Database(name: $0, entries: entries[$0] ?? []) }, deferred: [:], views: viewsAsListed)
        }
        let dumpedTables = Set(names.flatMap { database in
            (entries[database] ?? []).filter { $0.kind == .table }.map { TableID(database: database, table: $0.name) }
        })
        // Only constraints between tables this dump creates matter for its order.
        let keys = foreignKeys.filter { dumpedTables.contains($0.table) && dumpedTables.contains($0.referenced) }
        var deferred: [TableID: Set<SQLName>] = [:]
        func defer_(_ key: Catalog.ForeignKey) { deferred[key.table, default: []].insert(key.name) }
        for key in keys where key.isSelfReference { defer_(key) }

        // Databases: a database after those its tables reference.
        let crossDatabase = keys.enumerated().filter { $0.element.table.database != $0.element.referenced.database }
        let databaseOrder = DependencyOrder<SQLName, Int>(
            nodes: names,
            edges: crossDatabase.map { .init(dependent: $0.element.table.database, dependency: $0.element.referenced.database, id: $0.offset) })
        for (index, key) in crossDatabase where databaseOrder.deferred.contains(index) { defer_(key) }
        // Order the databases as given unless a reference needs otherwise.
        let orderedNames = crossDatabase.isEmpty ? names : databaseOrder.order

        var plans: [Database] = []
        for database in orderedNames {
            let all = entries[database] ?? []
            let tables = all.filter { $0.kind == .table }.map(\.name)
            let local = keys.enumerated().filter {
                $0.element.table.database == database && $0.element.referenced.database == database && !$0.element.isSelfReference
            }
            let tableOrder = DependencyOrder<SQLName, Int>(
                nodes: tables,
                edges: local.map { .init(dependent: $0.element.table.table, dependency: $0.element.referenced.table, id: $0.offset) })
            for (index, key) in local where tableOrder.deferred.contains(index) { defer_(key) }
            // Without foreign keys keep the server's order (the name order mariadb-dump uses).
            let orderedTables = local.isEmpty ? tables : tableOrder.order
            let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            plans.append(Database(
                name: database,
                entries: all.filter { $0.kind == .sequence } + orderedTables.compactMap { byName[$0] } + all.filter { $0.kind == .view }))
        }
        return DumpPlan(databases: plans, deferred: deferred, views: viewOrder(viewsAsListed, definitions: viewDefinitions))
    }

    /// Views after the views they select from. The server forbids cycles among views.
    static func viewOrder(_ views: [TableID], definitions: [TableID: [UInt8]]) -> [TableID] {
        let dumped = Set(views)
        var edges: [DependencyOrder<TableID, Int>.Edge] = []
        for view in views {
            guard let definition = definitions[view] else { continue }
            for other in QualifiedReferences.in(definition) where other != view && dumped.contains(other) {
                edges.append(.init(dependent: view, dependency: other, id: edges.count))
            }
        }
        return DependencyOrder(nodes: views, edges: edges).order
    }
}

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

    /// True if definition `index` starts with the keywords `words` (uppercase).
    func starts(_ index: Int, with words: [String]) -> Bool {
        words.enumerated().allSatisfy { keyword(index, at: $0.offset) == $0.element }
    }

    /// Token `position` of definition `index` in upper case, if it is a word.
    func keyword(_ index: Int, at position: Int) -> String? {
        let tokens = tokens[index]
        guard position < tokens.count, tokens[position].kind == .word else { return nil }
        return String(decoding: statement[tokens[position].range], as: UTF8.self).uppercased()
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
