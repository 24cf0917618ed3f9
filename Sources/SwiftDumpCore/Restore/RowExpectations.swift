import Foundation

/// A table's columns as its CREATE TABLE (in SHOW CREATE TABLE's layout, one per line) declares
/// them: which the server computes (generated columns, system-versioning periods), so a restore
/// cannot load the dump's values for them, and which are invisible.
struct TableShape: Sendable {
    struct Column: Sendable {
        let name: String
        /// Generated (VIRTUAL, STORED) or a system-versioning period column.
        let computed: Bool
        /// GENERATED ALWAYS AS ROW START / ROW END.
        let period: Bool
        let invisible: Bool
    }

    let columns: [Column]
    let versioned: Bool

    init(createTable bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var columns: [Column] = []
        for line in text.split(separator: "\n").dropFirst() where line.hasPrefix("  `") {
            let body = line.dropFirst(3)
            guard let close = body.firstRange(of: "` ") else { continue }
            let name = String(body[..<close.lowerBound]).replacing("``", with: "`")
            let rest = body[close.upperBound...].uppercased()
            let computed = rest.contains(" GENERATED ALWAYS AS ") || rest.contains(" AS (") && (rest.contains(") VIRTUAL") || rest.contains(") STORED") || rest.contains(") PERSISTENT"))
            columns.append(Column(name: name, computed: computed, period: rest.contains(" AS ROW START") || rest.contains(" AS ROW END"),
                                  invisible: rest.contains(" INVISIBLE")))
        }
        self.columns = columns
        versioned = text.uppercased().contains("WITH SYSTEM VERSIONING")
    }
}

/// What `--verify` compares: per table, the rows and the row checksum the dump's INSERTs
/// carry, and the columns to select back. The checksum is swiftdump's (``RowFormatter``):
/// the sum of each row's XXH64 over its `(...)` value list, over the columns a restore can load
/// (a mysqldump file's values for generated columns are left out, since the server recomputes
/// them).
final class RowExpectations: @unchecked Sendable {
    // @unchecked Sendable: `tables` and `shapes` are read and written holding `lock`.
    struct Table: Sendable {
        var rows: UInt64 = 0
        var checksum: UInt64 = 0
        /// The columns to select back, quoted; nil for all of them.
        var columns: [String]?
        var hexBlob = false
        /// Rows of every version (`--dump-history`): selected FOR SYSTEM_TIME ALL.
        var history = false
    }

    private let lock = NSLock()
    private var tables: [TableKey: Table] = [:]
    private var shapes: [TableKey: TableShape] = [:]

    /// A table the dump creates: checked even if it has no rows.
    func expect(_ key: TableKey, createTable: [UInt8]) {
        let shape = TableShape(createTable: createTable)
        lock.lock()
        if tables[key] == nil { tables[key] = Table() }
        shapes[key] = shape
        lock.unlock()
    }

    /// Counts and hashes the rows of an INSERT into `key` (`afterName`: where its table name ends).
    func add(_ key: TableKey, insert statement: [UInt8], afterName: Int) {
        lock.lock()
        let shape = shapes[key]
        lock.unlock()
        var selected: [String]?
        var history = false
        guard let values = InsertValues(statement, afterName: afterName, hashing: true, keeping: { names in
            // The values of the named columns, or of every visible column in order.
            guard let shape, let columns = names ?? Optional(shape.columns.filter { !$0.invisible }.map(\.name)) else { return nil }
            // Period columns the INSERT names: a --dump-history dump, every value is data. (A
            // mysqldump INSERT without a column list carries them too, and the server ignores them.)
            let periods = Set(shape.columns.filter(\.period).map(\.name) + ["row_start", "row_end"])
            history = shape.versioned && names?.contains { periods.contains($0) } == true
            let computed = history ? [] : Set(shape.columns.filter(\.computed).map(\.name))
            let keep = columns.map { !computed.contains($0) }
            if names != nil || keep.contains(false) { selected = zip(columns, keep).filter(\.1).map(\.0) }
            return keep.allSatisfy { $0 } ? nil : keep
        }) else { return }
        lock.lock()
        var table = tables[key] ?? Table()
        table.rows += values.rows
        table.checksum &+= values.checksum
        if let selected { table.columns = selected.map(SQLQuoting.identifier) }
        if history { table.history = true }
        if values.sawHex { table.hexBlob = true }
        tables[key] = table
        lock.unlock()
    }

    /// What a directory dump's manifest says of a table.
    func set(_ key: TableKey, _ table: Table) {
        lock.lock()
        tables[key] = table
        lock.unlock()
    }

    /// A name the dump's objects turned into a view (mysqldump's placeholder table): not a table.
    func forget(_ key: TableKey) {
        lock.lock()
        tables[key] = nil
        lock.unlock()
    }

    var all: [(TableKey, Table)] {
        lock.lock()
        defer { lock.unlock() }
        return tables.map { ($0.key, $0.value) }.sorted { ($0.0.database, $0.0.name) < ($1.0.database, $1.0.name) }
    }
}
