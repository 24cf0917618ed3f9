/// How a table's rows are read and written back: the SELECT for each chunk and the columns of
/// its INSERTs. Generated columns are computed by the server on restore, so their values are
/// not dumped, which needs a column list, as INVISIBLE columns do. With history (every row
/// version of a system-versioned table, for system_versioning_insert_history) the period
/// columns are data: explicit ones by name, the implicit pair as row_start, row_end.
struct RowSelection {
    /// The columns whose values are dumped, in table order.
    let columns: [SQLName]
    /// The implicit period columns read and inserted after them, or empty.
    let extraColumns: SQLText
    /// INSERTs name their columns (--complete-insert, or not every column is dumped).
    let needsColumnList: Bool
    /// `ORDER BY` columns (--order-by-primary), or nil.
    let orderBy: SQLText?
    private let select: SQLText

    /// Nil when no column holds data of its own (all generated).
    init?(table: TableID, columns all: [Catalog.ColumnInfo], history: Bool, completeInsert: Bool, orderColumns: [SQLName]) throws {
        let dumped = all.filter { !$0.isGenerated || (history && $0.isRowPeriod) }
        guard !dumped.isEmpty else { return nil }
        if history, all.contains(where: { $0.isRowPeriod && $0.dataType == "bigint" }) {
            throw DumpError.illegalTable(database: table.database, table: table.table,
                                         reason: "Cannot use --dump-history for table \(table.table.quoted) with transaction-precise history")
        }
        columns = dumped.map(\.name)
        extraColumns = history && !all.contains(where: \.isRowPeriod) ? ", row_start, row_end" : ""
        needsColumnList = completeInsert || dumped.count != all.count || all.contains(where: \.isInvisible) || !extraColumns.isEmpty
        orderBy = orderColumns.isEmpty ? nil : SQLText.joined(orderColumns.map { "\(identifier: $0)" }, separator: ",")
        var select: SQLText = "SELECT /*!40001 SQL_NO_CACHE */ \(identifiers: columns)\(sql: extraColumns) FROM \(qualified: table)"
        if history { select += " FOR SYSTEM_TIME ALL" }
        self.select = select
    }

    /// One SELECT per key range (nil: the whole table), each within `condition` (--where).
    func queries(ranges: [SQLText?], condition: SQLText?) -> [SQLText] {
        ranges.map { range in
            var query = select
            switch (condition, range) {
            case (let condition?, let range?): query += " WHERE (\(sql: condition)) AND \(sql: range)"
            case (let condition?, nil): query += " WHERE \(sql: condition)"
            case (nil, let range?): query += " WHERE \(sql: range)"
            case (nil, nil): break
            }
            if let orderBy { query += " ORDER BY \(sql: orderBy)" }
            return query
        }
    }
}
