import Foundation
import MariaDBClient
import Synchronization

/// `--verify`: reads every restored table back and recomputes its row checksum the way
/// swiftdump computes it while dumping (``RowFormatter``: the sum of each row's XXH64 over its
/// `(...)` value list), then compares it with what the dump holds. The same columns are
/// selected as the dump's INSERTs name, with the dump's session settings (time zone, character
/// set), so equal data gives equal text.
enum RowVerifier {
    struct Mismatch: Sendable, CustomStringConvertible {
        let table: TableID
        let expectedRows: UInt64
        let actualRows: UInt64
        let checksumsDiffer: Bool
        var error: String?

        var description: String {
            if let error { return "\(table): could not be read back: \(error)" }
            return "\(table): the dump has \(expectedRows) rows, the server \(actualRows)"
                + (checksumsDiffer ? "; the row checksums differ" : "")
        }
    }

    /// Checks every table on the workers' connections, several at once. Returns the tables
    /// that differ (empty: all equal).
    static func verify(_ expectations: [(TableID, RowExpectations.Table)], on workers: RestoreWorkers) throws -> [Mismatch] {
        let queue = BlockingQueue(expectations)
        queue.close()
        let results = Locked<[Mismatch]>([])
        try workers.forEach { _, connection in
            while let (table, expected) = queue.pop() {
                var rows: UInt64 = 0
                var checksum: UInt64 = 0
                let columns: SQLText = expected.columns.map { "\(identifiers: $0)" } ?? "*"
                let history: SQLText = expected.history ? " FOR SYSTEM_TIME ALL" : ""
                do {
                    var formatter = RowFormatter(extended: true, hexBlob: expected.hexBlob, checksums: true, deliver: { batch in
                        rows += UInt64(batch.rowCount)
                        checksum &+= batch.rowChecksum
                    })
                    try connection.stream("SELECT /*!40001 SQL_NO_CACHE */ \(sql: columns) FROM \(qualified: table)\(sql: history)" as SQLText, into: &formatter)
                    try formatter.flush()
                } catch let error as MariaDBError {
                    let mismatch = Mismatch(table: table, expectedRows: expected.rows, actualRows: 0, checksumsDiffer: true, error: "\(error)")
                    results.withLock { $0.append(mismatch) }
                    continue
                }
                if rows != expected.rows || checksum != expected.checksum {
                    let mismatch = Mismatch(table: table, expectedRows: expected.rows, actualRows: rows, checksumsDiffer: checksum != expected.checksum)
                    results.withLock { $0.append(mismatch) }
                }
            }
        }
        return results.withLock { $0 }.sorted { $0.table < $1.table }
    }
}
