import Synchronization

/// Counters the progress line reads while readers update them.
final class DumpProgress: Sendable {
    private struct Counts {
        var rows: UInt64 = 0
        var bytes: UInt64 = 0
        var tablesDone = 0
        var tablesTotal = 0
        var estimatedBytes: UInt64 = 0
        /// The tables whose rows readers are reading now, for the line an interruption
        /// prints, and those whose reading stopped with an error (the line a failure prints).
        var reading: [TableID: Int] = [:]
        var failed: Set<TableID> = []
    }

    private let counts = Mutex(Counts())

    func add(rows: Int, bytes: Int) {
        counts.withLock {
            $0.rows += UInt64(rows)
            $0.bytes += UInt64(bytes)
        }
    }

    func addTable(estimatedBytes: UInt64) {
        counts.withLock {
            $0.tablesTotal += 1
            $0.estimatedBytes += estimatedBytes
        }
    }

    func tableDone() {
        counts.withLock { $0.tablesDone += 1 }
    }

    func startReading(_ table: TableID) {
        counts.withLock { $0.reading[table, default: 0] += 1 }
    }

    func stopReading(_ table: TableID, completed: Bool) {
        counts.withLock {
            $0.reading[table, default: 1] -= 1
            if $0.reading[table] == 0 { $0.reading[table] = nil }
            if !completed { $0.failed.insert(table) }
        }
    }

    /// "while reading `db`.`t`; 3 of 12 tables written".
    var activity: String {
        counts.withLock { counts in
            let tables = Set(counts.reading.keys).union(counts.failed).sorted().prefix(4).map(\.description).joined(separator: ", ")
            return (tables.isEmpty ? "" : "while reading \(tables); ") + "\(counts.tablesDone) of \(counts.tablesTotal) table(s) written"
        }
    }

    var snapshot: (rows: UInt64, bytes: UInt64, tablesDone: Int, tablesTotal: Int, estimatedBytes: UInt64) {
        counts.withLock { ($0.rows, $0.bytes, $0.tablesDone, $0.tablesTotal, $0.estimatedBytes) }
    }
}
