import Foundation
import Synchronization

/// A table's columns as its CREATE TABLE (in SHOW CREATE TABLE's layout, one per line) declares
/// them: which the server computes (generated columns, system-versioning periods), so a restore
/// cannot load the dump's values for them, and which are invisible.
struct TableShape: Sendable {
    struct Column: Sendable {
        let name: SQLName
        /// Generated (VIRTUAL, STORED) or a system-versioning period column.
        let computed: Bool
        /// GENERATED ALWAYS AS ROW START / ROW END.
        let period: Bool
        let invisible: Bool
    }

    let columns: [Column]
    let versioned: Bool

    init(createTable bytes: [UInt8]) {
        var columns: [Column] = []
        if let definitions = TableDefinitions(bytes) {
            for index in definitions.definitions.indices where definitions.tokens[index].first?.kind == .identifier {
                guard let name = definitions.name(index, at: 0) else { continue }
                // The column's attributes as words, outside quotes: a comment or a default
                // that says GENERATED is not an attribute.
                let words = definitions.tokens[index].dropFirst().compactMap { token -> String? in
                    token.kind == .word ? SQLLexer.keyword(bytes[token.range]) : nil
                }
                let generated = Self.contains(words, ["GENERATED", "ALWAYS", "AS"])
                    || (words.contains("AS") && (words.contains("VIRTUAL") || words.contains("STORED") || words.contains("PERSISTENT")))
                let period = Self.contains(words, ["AS", "ROW", "START"]) || Self.contains(words, ["AS", "ROW", "END"])
                columns.append(Column(name: name, computed: generated, period: period, invisible: words.contains("INVISIBLE")))
            }
        }
        self.columns = columns
        let tail = SQLTokens(Array(bytes[(TableDefinitions(bytes)?.definitions.last?.upperBound ?? 0)...]), limit: 4096)
        versioned = (0..<tail.count).contains { tail.isKeyword($0, "WITH") && tail.isKeyword($0 + 1, "SYSTEM") && tail.isKeyword($0 + 2, "VERSIONING") }
    }

    private static func contains(_ words: [String], _ run: [String]) -> Bool {
        guard words.count >= run.count else { return false }
        return (0...(words.count - run.count)).contains { Array(words[$0..<($0 + run.count)]) == run }
    }
}

/// What `--verify` compares: per table, the rows and the row checksum the dump's INSERTs
/// carry, and the columns to select back. The checksum is swiftdump's (``RowFormatter``):
/// the sum of each row's XXH64 over its `(...)` value list, over the columns a restore can load
/// (a mysqldump file's values for generated columns are left out, since the server recomputes
/// them).
final class RowExpectations: Sendable {
    struct Table: Sendable {
        var rows: UInt64 = 0
        var checksum: UInt64 = 0
        /// The columns to select back; nil for all of them.
        var columns: [SQLName]?
        var hexBlob = false
        /// Rows of every version (`--dump-history`): selected FOR SYSTEM_TIME ALL.
        var history = false
    }

    private struct State {
        var tables: [TableID: Table] = [:]
        var shapes: [TableID: TableShape] = [:]
    }

    private let state = Mutex(State())

    /// A table the dump creates: checked even if it has no rows.
    func expect(_ key: TableID, createTable: [UInt8]) {
        let shape = TableShape(createTable: createTable)
        state.withLock { state in
            if state.tables[key] == nil { state.tables[key] = Table() }
            state.shapes[key] = shape
        }
    }

    /// Counts and hashes the rows of an INSERT into `key` (`afterName`: where its table name ends).
    func add(_ key: TableID, insert statement: [UInt8], afterName: Int) {
        let shape = state.withLock { $0.shapes[key] }
        var selected: [SQLName]?
        var history = false
        guard let values = InsertValues(statement, afterName: afterName, hashing: true, keeping: { names in
            // The values of the named columns, or of every visible column in order.
            guard let shape, let columns = names ?? Optional(shape.columns.filter { !$0.invisible }.map(\.name)) else { return nil }
            // Period columns the INSERT names: a --dump-history dump, every value is data. (A
            // mysqldump INSERT without a column list carries them too, and the server ignores them.)
            let periods = Set(shape.columns.filter(\.period).map(\.name) + ["row_start", "row_end"] as [SQLName])
            history = shape.versioned && names?.contains { periods.contains($0) } == true
            let computed = history ? [] : Set(shape.columns.filter(\.computed).map(\.name))
            let keep = columns.map { !computed.contains($0) }
            if names != nil || keep.contains(false) { selected = zip(columns, keep).filter(\.1).map(\.0) }
            return keep.allSatisfy { $0 } ? nil : keep
        }) else { return }
        let (columns, wasHistory) = (selected, history)
        state.withLock { state in
            var table = state.tables[key] ?? Table()
            table.rows += values.rows
            table.checksum &+= values.checksum
            if let columns { table.columns = columns }
            if wasHistory { table.history = true }
            if values.sawHex { table.hexBlob = true }
            state.tables[key] = table
        }
    }

    /// What a directory dump's manifest says of a table.
    func set(_ key: TableID, _ table: Table) {
        state.withLock { $0.tables[key] = table }
    }

    /// A name the dump's objects turned into a view (mysqldump's placeholder table): not a table.
    func forget(_ key: TableID) {
        state.withLock { $0.tables[key] = nil }
    }

    var all: [(TableID, Table)] {
        state.withLock { $0.tables.map { ($0.key, $0.value) } }.sorted { $0.0 < $1.0 }
    }
}
