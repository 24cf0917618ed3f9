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
