import Foundation

/// `--list`: what a dump holds, read from the dump alone (no server), like `pg_restore -l`.
enum DumpListing {
    static func stream(_ scan: DumpScan, source: DumpSource) -> String {
        var lines = ["; \(source.name): \(source.compression.name), \(megabytes(source.compressedSize)) in the file, \(megabytes(scan.sqlBytes)) of SQL, \(scan.statements) statements"]
        lines.append(scan.incompleteness.map { "; INCOMPLETE: \($0)" } ?? "; complete: ends with its completion line")
        var databases = scan.databases
        if scan.tableWithoutDatabase { databases.insert("", at: 0) }
        for database in databases {
            lines.append(database.isEmpty ? "(no database named: load with --database NAME)" : "database \(database)")
            for table in scan.tables where (table.database ?? "") == database && table.created {
                if table.isSequence {
                    lines.append("  sequence \(table.name)")
                } else {
                    lines.append("  table \(table.name)  \(table.rows) rows  \(megabytes(table.bytes))")
                }
            }
            for object in scan.objects where (object.database ?? "") == database {
                lines.append("  \(object.kind) \(object.name)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func directory(_ dump: DirectoryDump) -> String {
        var lines: [String] = []
        if let manifest = dump.manifest {
            lines.append("; \(dump.root): \(manifest.tool), server \(manifest.serverVersion), \(manifest.startedAt) to \(manifest.finishedAt), compression \(manifest.compression)")
            if let snapshot = manifest.snapshot, let position = snapshot.positions.first {
                lines.append("; snapshot: \(snapshot.method), binary log \(position.file):\(position.position), GTID \(position.gtid)\(snapshot.consistent ? "" : " (NOT proven consistent: \(snapshot.note))")")
            }
        }
        for problem in dump.acceptedProblems { lines.append("; PROBLEM: \(problem)") }
        let objects = dump.files.filter { $0.kind == .objects }
        for database in dump.databases {
            lines.append("database \(database)")
            var seen: Set<SQLName> = []
            for file in dump.files where file.database == database && file.kind == .schema {
                guard let table = file.table, seen.insert(table).inserted else { continue }
                let data = dump.files.filter { $0.kind == .data && $0.database == database && $0.table == table }
                let rows = data.reduce(0) { $0 + $1.rows }
                let bytes = data.reduce(0) { $0 + $1.sqlBytes }
                lines.append(data.isEmpty ? "  sequence or table without rows \(table)" : "  table \(table)  \(rows) rows  \(megabytes(bytes))  \(data.count) file(s)")
            }
        }
        for file in objects {
            guard let splitter = try? StatementSplitter(reader: file.open().makeReader()) else { continue }
            var current: SQLName?
            while let statement = try? splitter.next() {
                if case .use(let database, _) = StatementClassifier.classify(statement.bytes) { current = database }
                if let object = StatementClassifier.createdObject(statement.bytes) {
                    lines.append("  \(object.kind) \(object.name.database ?? current ?? "").\(object.name.table)")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// --verify for a directory dump: each table's rows and checksum from the manifest, and the
    /// columns its INSERTs name from its first data file.
    static func expectations(of dump: DirectoryDump, map: DatabaseMap, into expectations: RowExpectations) throws {
        guard let manifest = dump.manifest else { return }
        let hexBlob = manifest.settings?.hexBlob == true
        for table in manifest.tables {
            let key = TableID(database: map.map(table.database), table: table.table)
            var expected = RowExpectations.Table(rows: table.rows, checksum: table.rowChecksum, hexBlob: hexBlob)
            if let first = dump.files.first(where: { $0.kind == .data && $0.database == table.database && $0.table == table.table }) {
                let splitter = StatementSplitter(reader: try first.open().makeReader())
                while let statement = try splitter.next() {
                    if case .table(_, .insert(let afterName)) = StatementClassifier.classify(statement.bytes),
                       let values = InsertValues(statement.bytes, afterName: afterName, hashing: false) {
                        expected.columns = values.columnNames
                        // swiftdump names the period columns only with --dump-history.
                        let periods: Set<SQLName> = ["row_start", "row_end"]
                        expected.history = values.columnNames?.contains { periods.contains($0) } == true
                            || manifest.settings?.dumpHistory == true
                        break
                    }
                }
            }
            expectations.set(key, expected)
        }
    }

    private static func megabytes(_ bytes: UInt64) -> String {
        bytes >= 10_000_000 ? "\(bytes / 1_000_000) MB" : String(format: "%.1f MB", Double(bytes) / 1e6)
    }
}
