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
    /// What the target is known not to hold (nil: nothing is known).
    let absentTables: AbsentTables?
    let expectations: RowExpectations?
    /// The InnoDB tables this restore created: mysqldump's `ALTER TABLE ... DISABLE KEYS` and
    /// `ENABLE KEYS` around their rows do nothing (InnoDB has no such switch) but open the
    /// table, about 0.25 ms each; they are left out.
    let innoDBTables = Locked<Set<TableID>>([])

    /// The statement to run (nil: none), and the ALTER TABLE that adds the indexes it left out.
    func apply(_ statement: Statement, key: TableID, action: TableAction) -> (statement: Statement?, deferredIndexes: Statement?) {
        switch action {
        case .insert(let afterName):
            expectations?.add(key, insert: statement.bytes, afterName: afterName)
            return (statement, nil)
        case .create:
            if !Self.isSequence(statement) { expectations?.expect(key, createTable: statement.bytes) }
            absentTables?.created(key)
            let isInnoDB = TableDefinitions(statement.bytes)?.engine == "INNODB"
            innoDBTables.withLock { if isInnoDB { $0.insert(key) } else { $0.remove(key) } }
            var statement = statement
            if existingTables == .keep { statement = ExistingTablePolicy.keepingExisting(statement) }
            guard let split = deferral(of: statement, key: key) else { return (statement, nil) }
            statement.bytes = split.create
            return (statement, split.indexes)
        case .drop:
            if existingTables == .keep { return (nil, nil) }
            if let absentTables, Self.dropsIfExists(statement), absentTables.isAbsent(key) { return (nil, nil) }
            return (statement, nil)
        case .other:
            if Self.togglesKeys(statement), innoDBTables.withLock({ $0.contains(key) }) { return (nil, nil) }
            return (statement, nil)
        }
    }

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

/// The tables a restore knows the target does not hold: every table of a database that held
/// no table, view or sequence once the target was prepared, until the restore creates it.
///
/// A dump's `DROP TABLE IF EXISTS` of such a table changes nothing, yet InnoDB pays for it
/// as for a small CREATE TABLE (a DDL log entry and six fdatasync calls, strace shows): with
/// thousands of small tables, a third of the DDL. Names are compared with ASCII case folded,
/// so a server that folds names (lower_case_table_names) never sees a needed DROP left out.
final class AbsentTables: Sendable {
    private let emptyDatabases: Set<SQLName>
    private let createdTables = Locked<Set<TableID>>([])

    init(emptyDatabases: Set<SQLName>) {
        self.emptyDatabases = Set(emptyDatabases.map(\.asciiLowercased))
    }

    /// Reads which of `databases` hold nothing (a database that does not exist yet holds nothing).
    convenience init(_ databases: [SQLName], catalog: Catalog) throws {
        self.init(emptyDatabases: Set(try databases.filter { try catalog.holdsNothing($0) }))
    }

    func isAbsent(_ table: TableID) -> Bool {
        let folded = Self.folded(table)
        return emptyDatabases.contains(folded.database) && !createdTables.withLock { $0.contains(folded) }
    }

    func created(_ table: TableID) {
        let folded = Self.folded(table)
        createdTables.withLock { _ = $0.insert(folded) }
    }

    private static func folded(_ table: TableID) -> TableID {
        TableID(database: table.database.asciiLowercased, table: table.table.asciiLowercased)
    }
}
