import Foundation
import MariaDBClient

/// N connections that read one consistent snapshot, with DDL held back until the last table
/// is read.
///
/// MariaDB ≥ 10.4, by default: the coordinator takes `BACKUP STAGE START`; the first reader
/// takes FLUSH TABLES WITH READ LOCK (nothing commits from here); the coordinator takes
/// `BACKUP STAGE BLOCK_DDL` (``DDLBlock``), which it holds until ``finish()``; every reader
/// starts a REPEATABLE READ transaction WITH CONSISTENT SNAPSHOT and reads its binary log
/// position; the read lock is released at once. (BACKUP STAGE cannot go back from BLOCK_COMMIT
/// to BLOCK_DDL, and the connection that holds a backup stage may not take FLUSH TABLES WITH
/// READ LOCK: the brief commit block is another connection's. See ``DDLBlock`` for the order.)
/// Elsewhere — and while another backup holds the server's backup stage — FLUSH TABLES and
/// FLUSH TABLES WITH READ LOCK, briefly; DDL is not held back then, and each connection's
/// lock_wait_timeout bounds a wait on it.
///
/// Nothing can commit between the first and the last snapshot, so all positions must agree;
/// that agreement is recorded as the proof.
final class SnapshotGroup {
    let workers: [DedicatedConnection]
    let proof: SnapshotProof
    /// The binary log position of the snapshot (for --master-data).
    var position: LogPosition? { proof.positions.first }
    private let ddlBlock: DDLBlock?
    private let report: (String) -> Void

    enum Locking: Equatable {
        /// The global lock only while the snapshots start, and DDL held back where the server can
        /// (unless `holdingDDL` is false: --skip-ddl-lock).
        case brief(holdingDDL: Bool)
        /// FLUSH TABLES WITH READ LOCK for the whole dump (--lock-all-tables).
        case wholeDump
        /// No global lock at all (--no-lock): positions compared before and after.
        case none

        var isBrief: Bool {
            if case .brief = self { return true }
            return false
        }
    }

    /// Times the snapshots are taken before disagreeing positions stop the dump.
    
    static let attempts = 5

    private init(workers: [DedicatedConnection], proof: SnapshotProof, ddlBlock: DDLBlock?, report: @escaping (String) -> Void) {
        self.workers = workers
        self.proof = proof
        self.ddlBlock = ddlBlock
        self.report = report
    }

    /// Opens `count` reading connections and starts their snapshots. `coordinator` takes the
    /// locks. Falls back to one connection when the account may not take a global lock.
    static func start(count: Int, options: ConnectionOptions, locking: Locking, lockWaitTimeout: Int,
                      coordinator: Connection, prepare: @escaping @Sendable (Connection) throws -> Void,
                      report: @escaping (String) -> Void) throws -> SnapshotGroup {
        var workers: [DedicatedConnection] = []
        for index in 0..<max(1, count) {
            let worker = try DedicatedConnection.openAndWait(options, name: "swiftdump-reader-\(index)")
            try worker.runAndWait { try prepare($0) }
            workers.append(worker)
        }
        let ours = Set([coordinator.connectionID] + workers.map(\.connectionID))
        try coordinator.execute("SET SESSION lock_wait_timeout = \(lockWaitTimeout)" as SQLText)

        var method = "none"
        var note = ""
        var fellBack = false
        // Without RELOAD there is no global lock; one connection alone is still one snapshot.
        // Never several unlocked snapshots that may disagree.
        func fallBack(_ error: MariaDBError) {
            for extra in workers.dropFirst() { extra.closeAndWait() }
            workers = Array(workers.prefix(1))
            method = "single connection"
            note = "no privilege for a global lock (\(error.message)): one connection reads everything in one snapshot"
            fellBack = true
        }
        var ddlBlock: DDLBlock?
        if case .brief(true) = locking {
            do {
                ddlBlock = try DDLBlock.begin(on: coordinator, lockWaitTimeout: lockWaitTimeout)
            } catch let error as MariaDBError where error.is(.accessDenied) {
                fallBack(error)
            } catch DDLBlock.Unavailable.anotherBackup {
                note = "another backup holds the server's backup stage: DDL is not held back during this dump"
                report("-- \(note)")
            }
        }

        var positions: [LogPosition] = []
        var consistent = false
        /// A reading session that keeps its metadata locks to the end (``SnapshotTransaction``).
        var locksKept = false
        var lockHeld = 0.0
        // MariaDB 10.11 writes sequence updates (NEXTVAL, SETVAL) to the binary log as they
        // happen: one may slip in between two connections' snapshots. Their positions then
        // disagree; the snapshots are taken again.
        for attempt in 1...Self.attempts {
            var locked = false
            let lockStart = ContinuousClock.now
            // The brief commit block is the first reader's while the coordinator holds DDL back.
            let lockHolder: (run: (@escaping @Sendable (Connection) throws -> Void) throws -> Void, name: String) = ddlBlock != nil
                ? ({ body in try workers[0].runAndWait { try body($0) } }, "FLUSH TABLES WITH READ LOCK")
                : ({ body in try body(coordinator) }, "FLUSH TABLES WITH READ LOCK")
            if locking != .none && !fellBack {
                do {
                    let flushFirst = !coordinator.isMariaDB
                    try lockHolder.run { connection in
                        // MySQL: FLUSH TABLES first waits for long queries without blocking
                        // anyone. MariaDB's read lock does not wait for queries to close tables.
                        if flushFirst { try connection.execute("FLUSH /*!40101 LOCAL */ TABLES") }
                        try connection.execute("FLUSH TABLES WITH READ LOCK")
                    }
                    // Under the read lock no DDL runs: BLOCK_DDL waits for nothing (it is the
                    // first attempt's; later attempts keep it).
                    if var block = ddlBlock, attempt == 1 {
                        try block.holdDDL(lockWaitTimeout: lockWaitTimeout)
                        ddlBlock = block
                    }
                    method = ddlBlock != nil ? "BACKUP STAGE BLOCK_DDL + FLUSH TABLES WITH READ LOCK" : lockHolder.name
                    locked = true
                } catch let error as MariaDBError where error.is(.accessDenied) && locking.isBrief {
                    fallBack(error)
                } catch let error as MariaDBError where error.is(.lockWaitTimeout) {
                    ddlBlock?.release(report: { _ in })
                    throw DumpError.lockTimeout("could not take the global lock (FLUSH TABLES WITH READ LOCK) within --lock-wait-timeout=\(lockWaitTimeout) s; "
                                                + LockDiagnosis.describe(on: coordinator, excluding: ours) + "; retry, raise --lock-wait-timeout, or use --no-lock")
                }
            }

            let before = locking == .none ? try LogPosition.current(on: coordinator) : nil
            positions = []
            do {
                for worker in workers {
                    let (releasesLocks, position) = try worker.runAndWait { connection in
                        (try SnapshotTransaction.start(on: connection), try LogPosition.ofSnapshot(on: connection))
                    }
                    positions.append(position)
                    locksKept = locksKept || !releasesLocks
                }
                // MySQL has no binlog_snapshot_* status: under the lock the master status is exact.
                if locked, positions.contains(where: { $0.file.isEmpty }), let master = try LogPosition.current(on: coordinator) {
                    positions = positions.map { $0.file.isEmpty ? master : $0 }
                }
            } catch {
                if locked { _ = try? lockHolder.run { try $0.execute("UNLOCK TABLES") } }
                ddlBlock?.release(report: { _ in })
                throw error
            }
            if locked && locking.isBrief {
                _ = try? lockHolder.run { try $0.execute("UNLOCK TABLES") }
                let elapsed = ContinuousClock.now - lockStart
                lockHeld = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }

            consistent = Set(positions.map { "\($0.file):\($0.position):\($0.gtid)" }).count == 1
            if locking == .none {
                let after = try LogPosition.current(on: coordinator)
                if before == nil || after == nil {
                    consistent = workers.count == 1
                    note = consistent ? "one connection: one snapshot" : "--no-lock without a binary log: consistency across connections cannot be proven"
                } else if before != after || !consistent {
                    consistent = false
                    note = "--no-lock: the server committed while the snapshots started (binary log \(before!.file):\(before!.position) before, \(after!.file):\(after!.position) after); tables read by different connections may not be consistent with each other"
                } else {
                    note = "--no-lock: nothing was committed while the snapshots started"
                }
                break
            }
            if consistent {
                if attempt > 1 { note = "the snapshots agreed at attempt \(attempt) (a sequence was updated while the lock was held)" }
                break
            }
            for worker in workers { _ = try? worker.runAndWait { try $0.execute("ROLLBACK") } }
            guard attempt < Self.attempts else {
                ddlBlock?.release(report: { _ in })
                throw DumpError.inconsistentSnapshot("the reading connections' snapshots disagree (\(positions.map { "\($0.file):\($0.position)" }.joined(separator: ", "))) although the global lock was held, \(Self.attempts) times; refusing an inconsistent dump")
            }
            report("-- Snapshots disagree (\(positions.map { "\($0.file):\($0.position)" }.joined(separator: ", "))); taking them again")
            Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
        }
        if consistent && positions.first?.file.isEmpty == true && note.isEmpty {
            note = "the binary log is off: the snapshots are one because they started under the lock"
        }
        if locksKept { report(SnapshotTransaction.locksKept) }
        let proof = SnapshotProof(method: method, lockHeldMilliseconds: lockHeld, positions: positions, consistent: consistent, note: note)
        return SnapshotGroup(workers: workers, proof: proof, ddlBlock: ddlBlock, report: report)
    }

    /// Ends the snapshots, closes the reading connections and lets DDL run again.
    func finish() {
        for worker in workers {
            _ = try? worker.runAndWait { try $0.execute("COMMIT") }
            worker.closeAndWait()
        }
        ddlBlock?.release(report: report)
    }
}
