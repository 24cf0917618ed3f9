import Foundation
import MariaDBClient

/// The rules a restore applies to one table's statement, from a stream or a directory file:
/// --if-not-exists, index deferral, the statements that change nothing (DROPs of absent
/// tables, InnoDB's key toggles), and the row checksums --verify compares.
struct TableStatementRules: Sendable {
    let existingTables: RestoreOptions.ExistingTables
    /// The tables whose secondary indexes wait for their rows (``IndexDeferral``): those with
    /// at least --defer-indexes-min-size of rows in the dump. Below that an extra ALTER TABLE
    /// costs more than it saves (README: "Index deferral").
    let deferredTables: Set<TableID>
    /// The tables whose rows load with UNIQUE_CHECKS=0: those with at least
    /// --bulk-insert-min-size of rows. With FOREIGN_KEY_CHECKS=0 as well, InnoDB loads an empty
    /// table in bulk, building its pages and writing them (two fdatasync calls) as the
    /// transaction commits; for a table of a few rows that costs a third of its load.
    let bulkTables: Set<TableID>
    /// What the target holds, as far as the restore knows: a DROP of an absent table is left
    /// out, and so are mysqldump's `ALTER TABLE ... DISABLE KEYS` / `ENABLE KEYS` around the
    /// rows of a table created as InnoDB (which has no such switch; each opens the table,
    /// about 0.25 ms).
    let targetTables: TargetTables
    let expectations: RowExpectations?

    /// The statement to run (nil: none), and the ALTER TABLE that adds the indexes it left out.
    func apply(_ statement: Statement, key: TableID, action: TableAction) -> (statement: Statement?, deferredIndexes: Statement?) {
        switch action {
        case .insert(let afterName):
            expectations?.add(key, insert: statement.bytes, afterName: afterName)
            return (statement, nil)
        case .create:
            if !Self.isSequence(statement) { expectations?.expect(key, createTable: statement.bytes) }
            targetTables.created(key, innoDB: TableDefinitions(statement.bytes)?.engine == "INNODB")
            var statement = statement
            if existingTables == .keep { statement = ExistingTablePolicy.keepingExisting(statement) }
            guard let split = deferral(of: statement, key: key) else { return (statement, nil) }
            statement.bytes = split.create
            return (statement, split.indexes)
        case .drop:
            if existingTables == .keep { return (nil, nil) }
            if Self.dropsIfExists(statement) && targetTables.isAbsent(key) { return (nil, nil) }
            return (statement, nil)
        case .other:
            if Self.togglesKeys(statement) && targetTables.isInnoDB(key) { return (nil, nil) }
            return (statement, nil)
        }
    }

    /// Whether rows into `table` run no trigger: the restore created it (after dropping any
    /// old one), and the dump's triggers come after all rows.
    func firesNoTriggers(_ table: TableID) -> Bool {
        existingTables != .keep && targetTables.wasCreated(table)
    }

    /// Whether `table`'s rows load with unique checks on (row by row) rather than in bulk.
    func checksUniqueness(_ table: TableID) -> Bool { !bulkTables.contains(table) }

    /// `ALTER TABLE name DISABLE KEYS` or `ENABLE KEYS`, and nothing else.
    private static func togglesKeys(_ alter: Statement) -> Bool {
        let tokens = SQLTokens(alter.bytes, limit: 8)
        guard tokens.isKeyword(0, "ALTER"), tokens.isKeyword(1, "TABLE"), tokens.isName(2) else { return false }
        let verb = tokens.isSymbol(3, ".") && tokens.isName(4) ? 5 : 3
        return (tokens.isKeyword(verb, "DISABLE") || tokens.isKeyword(verb, "ENABLE")) && tokens.isKeyword(verb + 1, "KEYS")
            && tokens.count == verb + 2
    }

    /// A CREATE TABLE without the indexes deferral leaves out, and the ALTER TABLE that adds
    /// them (at the CREATE TABLE's offset: a failure names that line); nil when the table keeps
    /// them all.
    func deferral(of create: Statement, key: TableID) -> (create: [UInt8], indexes: Statement)? {
        guard deferredTables.contains(key), !Self.isSequence(create) else { return nil }
        let (table, alter) = IndexDeferral.split(create.bytes, table: key.table)
        return alter.map { (table, Statement(bytes: $0, offset: create.offset, database: key.database)) }
    }

    private static func isSequence(_ create: Statement) -> Bool {
        let head = SQLTokens(create.bytes, limit: 6)
        return head.tokens.indices.contains { head.isKeyword($0, "SEQUENCE") }
    }

    /// `DROP TABLE IF EXISTS name` (or SEQUENCE), which does nothing when the table is absent.
    private static func dropsIfExists(_ drop: Statement) -> Bool {
        let head = SQLTokens(drop.bytes, limit: 4)
        return head.isKeyword(0, "DROP") && (head.isKeyword(1, "TABLE") || head.isKeyword(1, "SEQUENCE"))
            && head.isKeyword(2, "IF") && head.isKeyword(3, "EXISTS")
    }
}

/// What a restore knows of the target's tables: the databases that held no table, view or
/// sequence once the target was prepared, and the tables the restore has created since.
///
/// A dump's `DROP TABLE IF EXISTS` of a table it knows is absent changes nothing, yet InnoDB
/// pays for it as for a small CREATE TABLE (a DDL log entry and six fdatasync calls, strace
/// shows): with thousands of small tables, a third of the DDL. For that question names are
/// compared with ASCII case folded, so a server that folds names (lower_case_table_names)
/// never sees a needed DROP left out.
final class TargetTables: Sendable {
    private let emptyDatabases: Set<SQLName>
    private struct Created {
        /// Every table created, names folded.
        var folded: Set<TableID> = []
        /// Those created as InnoDB, names as written.
        var innoDB: Set<TableID> = []
    }
    private let created = Locked(Created())

    /// `emptyDatabases`: those known to hold nothing (none on --resume: its first run left tables).
    init(emptyDatabases: Set<SQLName>) {
        self.emptyDatabases = Set(emptyDatabases.map(\.asciiLowercased))
    }

    /// Reads which of `databases` hold nothing (a database that does not exist yet holds nothing).
    convenience init(_ databases: [SQLName], catalog: Catalog) throws {
        self.init(emptyDatabases: Set(try databases.filter { try catalog.holdsNothing($0) }))
    }

    func isAbsent(_ table: TableID) -> Bool {
        let folded = Self.folded(table)
        return emptyDatabases.contains(folded.database) && !created.withLock { $0.folded.contains(folded) }
    }

    func wasCreated(_ table: TableID) -> Bool {
        let folded = Self.folded(table)
        return created.withLock { $0.folded.contains(folded) }
    }

    func isInnoDB(_ table: TableID) -> Bool {
        created.withLock { $0.innoDB.contains(table) }
    }

    func created(_ table: TableID, innoDB: Bool) {
        let folded = Self.folded(table)
        created.withLock { state in
            state.folded.insert(folded)
            if innoDB { state.innoDB.insert(table) } else { state.innoDB.remove(table) }
        }
    }

    private static func folded(_ table: TableID) -> TableID {
        TableID(database: table.database.asciiLowercased, table: table.table.asciiLowercased)
    }
}
