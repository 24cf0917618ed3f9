/// What the dump writes, in which order: databases ordered by their cross-database foreign
/// keys, each database's sequences, then tables parents-first, then views; and the foreign
/// keys that wait until all data is loaded — those that close a cycle, and those that reference
/// their own table (whose rows may arrive child first).
struct DumpPlan {
    struct Database {
        let name: String
        /// Sequences, tables (in load order), views: as the dump writes them.
        let entries: [Catalog.Entry]
    }

    let databases: [Database]
    /// Constraint names to leave out of CREATE TABLE and add after the data, by database and table.
    let deferred: [String: [String: Set<String>]]
    /// Every view, each after the views it selects from (in `.name` order: by database, as listed).
    let views: [TableID]

    func deferredConstraints(_ database: String, _ table: String) -> Set<String> {
        deferred[database]?[table] ?? []
    }

    struct TableID: Hashable, Comparable, Sendable {
        let database: String
        let table: String
        static func < (left: TableID, right: TableID) -> Bool {
            (left.database, left.table) < (right.database, right.table)
        }
    }

    /// With `.name` order: everything as the server lists it and nothing deferred (mariadb-dump).
    ///
    /// `viewDefinitions` are the views' definitions with qualified references (`db`.`name`), as
    /// INFORMATION_SCHEMA.VIEWS gives them: a view depends on every dumped view it names.
    static func make(databases names: [String], entries: [String: [Catalog.Entry]], foreignKeys: [Catalog.ForeignKey],
                     viewDefinitions: [TableID: String] = [:], order: DumpOptions.Order) -> DumpPlan {
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
        let keys = foreignKeys.filter {
            dumpedTables.contains(TableID(database: $0.database, table: $0.table))
                && dumpedTables.contains(TableID(database: $0.referencedDatabase, table: $0.referencedTable))
        }
        var deferred: [String: [String: Set<String>]] = [:]
        func defer_(_ key: Catalog.ForeignKey) { deferred[key.database, default: [:]][key.table, default: []].insert(key.name) }
        for key in keys where key.isSelfReference { defer_(key) }

        // Databases: a database after those its tables reference.
        let crossDatabase = keys.enumerated().filter { $0.element.database != $0.element.referencedDatabase }
        let databaseOrder = DependencyOrder<String, Int>(
            nodes: names,
            edges: crossDatabase.map { .init(dependent: $0.element.database, dependency: $0.element.referencedDatabase, id: $0.offset) })
        for (index, key) in crossDatabase where databaseOrder.deferred.contains(index) { defer_(key) }
        // Order the databases as given unless a reference needs otherwise.
        let orderedNames = crossDatabase.isEmpty ? names : databaseOrder.order

        var plans: [Database] = []
        for database in orderedNames {
            let all = entries[database] ?? []
            let tables = all.filter { $0.kind == .table }.map(\.name)
            let local = keys.enumerated().filter { $0.element.database == database && $0.element.referencedDatabase == database && !$0.element.isSelfReference }
            let tableOrder = DependencyOrder<String, Int>(
                nodes: tables,
                edges: local.map { .init(dependent: $0.element.table, dependency: $0.element.referencedTable, id: $0.offset) })
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
    static func viewOrder(_ views: [TableID], definitions: [TableID: String]) -> [TableID] {
        var edges: [DependencyOrder<TableID, Int>.Edge] = []
        for view in views {
            guard let definition = definitions[view] else { continue }
            for other in views where other != view {
                let reference = SQLQuoting.identifier(other.database) + "." + SQLQuoting.identifier(other.table)
                if definition.contains(reference) {
                    edges.append(.init(dependent: view, dependency: other, id: edges.count))
                }
            }
        }
        return DependencyOrder(nodes: views, edges: edges).order
    }
}

/// Takes named FOREIGN KEY clauses out of a `SHOW CREATE TABLE` statement, to add them later
/// with `ALTER TABLE ... ADD`: the statement without them (commas fixed), and the clauses.
enum ForeignKeyDeferral {
    static func split(_ statement: [UInt8], removing names: Set<String>) -> (statement: [UInt8], clauses: [[UInt8]]) {
        guard !names.isEmpty else { return (statement, []) }
        let newline = UInt8(ascii: "\n")
        var lines = statement.split(separator: newline, omittingEmptySubsequences: false).map(Array.init)
        var clauses: [[UInt8]] = []
        var index = 0
        while index < lines.count {
            if let name = constraintName(lines[index]), names.contains(name) {
                var clause = Array(lines[index].drop { $0 == UInt8(ascii: " ") })
                if clause.last == UInt8(ascii: ",") { clause.removeLast() }
                clauses.append(clause)
                lines.remove(at: index)
                // The element before the closing parenthesis must not end with a comma.
                if index < lines.count, lines[index].first == UInt8(ascii: ")"), index > 0, lines[index - 1].last == UInt8(ascii: ",") {
                    lines[index - 1].removeLast()
                }
                continue
            }
            index += 1
        }
        return (Array(lines.joined(separator: [newline])), clauses)
    }

    /// The name in a `  CONSTRAINT `name` FOREIGN KEY ...` line (quoted or, with
    /// --skip-quote-names, bare); nil for any other line.
    static func constraintName(_ line: [UInt8]) -> String? {
        let prefix = Array("  CONSTRAINT ".utf8)
        guard line.starts(with: prefix) else { return nil }
        var rest = line[prefix.count...]
        var name: [UInt8] = []
        if rest.first == UInt8(ascii: "`") {
            rest = rest.dropFirst()
            while let byte = rest.first {
                rest = rest.dropFirst()
                if byte == UInt8(ascii: "`") {
                    if rest.first == UInt8(ascii: "`") { name.append(byte); rest = rest.dropFirst(); continue }
                    break
                }
                name.append(byte)
            }
        } else {
            name = Array(rest.prefix { $0 != UInt8(ascii: " ") })
            rest = rest.dropFirst(name.count)
        }
        guard rest.starts(with: Array(" FOREIGN KEY ".utf8)) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }
}
