import Glibc
import Synchronization

/// The files and directories a dump has created but not completed, so that an interruption
/// can remove them (``Interruption``): a partial `-r` file, a directory dump's files. Every
/// file or directory the dump creates is created through ``create(_:_:)``, under the same lock
/// the removal takes, so none appears after the removal.
final class PartialOutputs: Sendable {
    static let shared = PartialOutputs()

    private struct State {
        var files: Set<String> = []
        /// Directories made by the dump, in the order made (removed in reverse).
        var directories: [String] = []
        var abandoned = false
    }

    private let state = Mutex(State())

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

    /// Removes every incomplete entry and refuses new ones; returns what was removed.
    func abandonAll() -> [String] {
        state.withLock { state in
            state.abandoned = true
            var removed: [String] = []
            for file in state.files where (try? System.unlink(file)) != nil { removed.append(file) }
            for directory in state.directories.reversed() where (try? System.removeDirectory(directory)) != nil { removed.append(directory + "/") }
            state.files = []
            state.directories = []
            // Name the top of what was removed, not every file.
            return removed.count > 3 ? Array(removed.suffix(1)) + ["\(removed.count - 1) more"] : removed
        }
    }
}
