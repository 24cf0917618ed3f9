import Glibc
import MariaDBClient

/// The files and directories a dump has created but not completed, so that an interruption
/// can remove them (``Interruption``): a partial `-r` file, a directory dump's files, and in
/// an object store the uploads in progress and a directory dump's objects. Every file or
/// directory the dump creates is created through ``create(_:_:)``, under the same lock the
/// removal takes, so none appears after the removal; an object is published (its upload
/// completed) inside ``publishing(_:)``, which the removal waits for, for the same reason.
final class PartialOutputs: Sendable {
    static let shared = PartialOutputs()

    private struct State {
        var files: Set<String> = []
        /// Directories made by the dump, in the order made (removed in reverse).
        var directories: [String] = []
        /// Objects and uploads in a store, by name.
        var remote: [String: RemoteOutput] = [:]
        /// Objects being published now.
        var publishing = 0
        var abandoned = false
    }

    private let state = Monitor(State())

    enum Entry {
        case file(String)
        case directory(String)
    }

    /// Runs `make` (the `open` or `mkdir` that creates `entry`) and records the entry if it
    /// succeeds (`make` returns true). After ``abandonAll()`` nothing is created: returns false.
    func create(_ entry: Entry, _ make: () -> Bool) -> Bool {
        state.withLock { state in
            guard !state.abandoned, make() else { return false }
            switch entry {
            case .file(let path): state.files.insert(path)
            case .directory(let path): state.directories.append(path)
            }
            return true
        }
    }

    /// Removes an incomplete file (a failed or abandoned one) and forgets it.
    func remove(_ path: String) {
        state.withLock { state in
            _ = try? System.unlink(path)
            state.files.remove(path)
        }
    }

    /// The entry is complete (renamed into place, or part of a finished dump): not removed.
    func completed(_ entry: Entry) {
        state.withLock { state in
            switch entry {
            case .file(let path): state.files.remove(path)
            case .directory(let path): state.directories.removeAll { $0 == path }
            }
        }
    }

    /// Renames a partial file to its final name under the lock, so that no file appears under
    /// a final name after ``abandonAll()``: then the partial file is removed instead (EINTR).
    /// `stillPartial`: the final name is partial output in its turn (a directory dump's file,
    /// until the manifest). Returns 0 or the errno of the rename.
    func rename(_ partial: String, to final: String, stillPartial: Bool) -> Int32 {
        state.withLock { state in
            state.files.remove(partial)
            guard !state.abandoned else {
                _ = try? System.unlink(partial)
                return EINTR
            }
            do throws(SystemError) {
                try System.rename(partial, to: final)
            } catch {
                return error.errorNumber
            }
            if stillPartial { state.files.insert(final) }
            return 0
        }
    }

    // MARK: Objects in a store

    /// Records `output` (an upload begun, an object of a directory dump); false after
    /// ``abandonAll()``.
    func register(_ output: RemoteOutput) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state.remote[output.name] = output
            return true
        }
    }

    /// The object named is complete (a finished upload, an object of a finished dump).
    func completedRemote(_ name: String) {
        state.withLock { _ = $0.remote.removeValue(forKey: name) }
    }

    /// Runs `publish` (the request that makes an object appear under its name) unless the
    /// dump was abandoned; ``abandonAll()`` waits for it before it removes what was published.
    /// False if abandoned.
    func publishing(_ publish: () throws -> Void) throws -> Bool {
        guard beginPublishing() else { return false }
        defer { endPublishing() }
        try publish()
        return true
    }

    /// The two halves of ``publishing(_:)``, for a publication that ends on another thread.
    func beginPublishing() -> Bool {
        state.withLock { state -> Bool in
            guard !state.abandoned else { return false }
            state.publishing += 1
            return true
        }
    }

    func endPublishing() {
        state.withLock { $0.publishing -= 1 }
    }

    /// Removes every incomplete entry and refuses new ones; returns what was removed.
    func abandonAll() -> [String] {
        // No object is published from now on; one being published is waited for (a few
        // seconds at most), so that it is removed after it appears, not before.
        state.withLock { $0.abandoned = true }
        let remote = state.wait(until: { $0.publishing == 0 }, timeout: .seconds(10)) { state -> [RemoteOutput] in
            defer { state.remote = [:] }
            return Array(state.remote.values)
        }
        var removedRemote: [String] = []
        for output in remote.sorted(by: { $0.name < $1.name }) where output.discard() { removedRemote.append(output.name) }
        return state.withLock { state in
            var removed: [String] = []
            for file in state.files where (try? System.unlink(file)) != nil { removed.append(file) }
            for directory in state.directories.reversed() where (try? System.removeDirectory(directory)) != nil { removed.append(directory + "/") }
            removed += removedRemote
            state.files = []
            state.directories = []
            // Name the top of what was removed, not every file.
            return removed.count > 3 ? Array(removed.suffix(1)) + ["\(removed.count - 1) more"] : removed
        }
    }
}

/// Something a dump created in an object store and has not completed: an upload in progress
/// (`discard` aborts it) or an object of an unfinished directory dump (`discard` deletes it).
final class RemoteOutput: Sendable {
    let name: String
    /// Aborts or deletes; true if there was something to remove.
    let discard: @Sendable () -> Bool

    init(name: String, discard: @escaping @Sendable () -> Bool) {
        self.name = name
        self.discard = discard
    }
}
