import Foundation
import MariaDBClient
import Synchronization

/// Gets what a dump writes onto stable storage while the dump goes on, on a thread of its own,
/// so the sync a dump must end with (a backup that is not on disk is not a backup) finds little
/// left to write.
///
/// A file hands over each few MiB as it writes them: the thread writes that range to the device
/// and waits for it, then lets its pages leave the cache. A directory dump's file hands over
/// its whole sync when it is closed, and the dump waits for the syncs of all its files (a
/// ``SyncGroup``) before it writes the manifest. The writers never wait for the device here;
/// the kernel's own dirty-page limits still slow a writer that outruns the disk.
final class WriteBack: Sendable {
    /// Bytes a file writes before their write-back is started.
    static let rangeSize: UInt64 = 8 << 20

    static let shared = WriteBack()

    private enum Request: Sendable {
        case range(WrittenFile, offset: UInt64, count: UInt64)
        case sync(WrittenFile, SyncGroup)
    }

    private let requests = BlockingQueue<Request>()

    private init() {
        let requests = self.requests
        let thread = Thread {
            while let request = requests.pop() {
                switch request {
                case let .range(file, offset, count):
                    System.writeBack(file.descriptor, offset: offset, count: count)
                case let .sync(file, group):
                    var failure: OutputError?
                    do throws(SystemError) {
                        try System.sync(file.descriptor, path: file.path)
                        System.dropCache(file.descriptor)
                    } catch {
                        failure = OutputError(path: file.path, errorNumber: error.errorNumber, action: "sync")
                    }
                    group.finished(failure)
                }
            }
        }
        thread.name = "write-back"
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// Writes `count` bytes from `offset` back to the device, soon.
    func writeBack(_ file: WrittenFile, offset: UInt64, count: UInt64) {
        requests.push(.range(file, offset: offset, count: count))
    }

    /// Syncs the whole file, data and metadata, and tells `group` when it is done.
    func sync(_ file: WrittenFile, in group: SyncGroup) {
        group.started()
        requests.push(.sync(file, group))
    }
}

/// A file being written, as the write-back thread sees it: a descriptor of its own for the same
/// open file, closed when the last request that names it is done, so the writer may close its
/// descriptor whenever it likes (no number reused under a request still queued).
final class WrittenFile: Sendable {
    let descriptor: Int32
    let path: String

    init(duplicating descriptor: Int32, path: String) throws(SystemError) {
        self.descriptor = try System.duplicate(descriptor, path: path)
        self.path = path
    }

    deinit { _ = try? System.close(descriptor) }
}

/// The syncs a directory dump has handed to the write-back thread: it waits for all of them,
/// and learns the first that failed, before its manifest says the dump is complete.
final class SyncGroup: Sendable {
    private struct State {
        var pending = 0
        var failure: OutputError?
    }

    private let state = Monitor(State())

    fileprivate func started() { state.withLock { $0.pending += 1 } }

    fileprivate func finished(_ failure: OutputError?) {
        state.withLock { state in
            state.pending -= 1
            if state.failure == nil { state.failure = failure }
        }
    }

    /// Waits for every sync handed over so far; throws the first failure.
    func wait() throws {
        if let failure = state.wait(until: { $0.pending == 0 }, { $0.failure }) { throw failure }
    }
}
