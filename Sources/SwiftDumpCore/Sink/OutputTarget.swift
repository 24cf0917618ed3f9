import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Who may read what the dump writes: files `0666 & ~umask`, directories `0777 & ~umask`; by
/// default only the owner (0600, 0700), whatever the process's umask would allow.
public struct OutputPermissions: Sendable, Equatable {
    public var umask: mode_t = 0o077
    public init(umask: mode_t = 0o077) { self.umask = umask }
    public var file: mode_t { 0o666 & ~umask }
    public var directory: mode_t { 0o777 & ~umask }
}

/// One stored file being written, as it is stored (compressed, if it is): the `-r` file,
/// standard output, a file of a directory dump. Nothing appears under its final name before
/// ``commit(durable:)``; ``abandon()`` leaves nothing behind.
protocol OutputTarget: AnyObject {
    /// What messages name: the path, or "standard output".
    var name: String { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Complete: under its final name, and on stable storage when `durable` (else the write-back
    /// has started and a later ``DumpDestination/makeDurable(_:)`` waits for it).
    func commit(durable: Bool) throws
    func abandon()
}

/// A place a directory dump's files are created in: a local directory.
protocol DumpDestination: Sendable {
    var name: String { get }
    /// A new file at `relativePath`, its directory made if needed.
    func create(_ relativePath: String) throws -> any OutputTarget
    /// Every file listed, and the directories holding them, on stable storage. Returns the
    /// version the store gave each file, where it has one (an object store's ETag), for the
    /// manifest: a restore that finds the same versions need not read the files to check them.
    func makeDurable(_ relativePaths: [String]) throws -> [String: String]
    /// The files are the finished dump now: no longer removed if the process is interrupted.
    func complete(_ relativePaths: [String])
    /// Removes the files listed and the directories the dump made.
    func remove(_ relativePaths: [String])
}

/// The `-r` file on a local file system: written under `FILE.swiftdump-partial-PID` (opened
/// with O_EXCL: never through a file or link someone else put there) and renamed onto FILE
/// when complete. Its write-back starts every few MiB (``WriteBack``), so the sync of a
/// durable commit has little left; the directory is synced after the rename, so the name is
/// durable too.
///
/// A directory dump's file: `syncs` is its dump's ``SyncGroup``. Its name stays partial output
/// until the manifest, and a commit without `durable` hands the file's sync to the write-back
/// thread.
final class LocalFileTarget: OutputTarget {
    let name: String
    private let finalPath: String
    private let temporaryPath: String
    private let descriptor: Int32
    private let syncs: SyncGroup?
    private let writeBack: WrittenFile
    private var written: UInt64 = 0
    private var writtenBack: UInt64 = 0
    private var open = true

    init(path: String, permissions: OutputPermissions, syncs: SyncGroup? = nil) throws {
        name = path
        finalPath = path
        temporaryPath = path + ".swiftdump-partial-\(getpid())"
        self.syncs = syncs
        var opened: Int32 = -1
        var failure: SystemError?
        let temporary = temporaryPath
        let made = PartialOutputs.shared.create(.file(temporary)) {
            do throws(SystemError) {
                opened = try System.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: permissions.file)
            } catch where error.errorNumber == EEXIST {
                // Left by an earlier run that had our process id.
                do throws(SystemError) {
                    try System.unlink(temporary)
                    opened = try System.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: permissions.file)
                } catch {
                    failure = error
                }
            } catch {
                failure = error
            }
            return opened >= 0
        }
        guard made else { throw OutputError(path: path, errorNumber: failure?.errorNumber ?? EINTR, action: "open") }
        descriptor = opened
        do {
            writeBack = try WrittenFile(duplicating: opened, path: path)
        } catch {
            _ = try? System.close(opened)
            PartialOutputs.shared.remove(temporaryPath)
            throw OutputError(path: path, errorNumber: error.errorNumber, action: "open")
        }
    }

    deinit { if open { abandon() } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(bytes, to: descriptor, name: name)
        written += UInt64(bytes.count)
        if written - writtenBack >= WriteBack.rangeSize {
            WriteBack.shared.writeBack(writeBack, offset: writtenBack, count: written - writtenBack)
            writtenBack = written
        }
    }

    func commit(durable: Bool) throws {
        open = false
        do {
            if durable {
                try System.sync(descriptor, path: name)
            } else if let syncs {
                WriteBack.shared.sync(writeBack, in: syncs)
            }
            try System.close(descriptor, path: name)
        } catch {
            PartialOutputs.shared.remove(temporaryPath)
            throw OutputError(path: name, errorNumber: error.errorNumber, action: error.call == "fsync" ? "sync" : "close")
        }
        let failure = PartialOutputs.shared.rename(temporaryPath, to: finalPath, stillPartial: syncs != nil)
        if failure != 0 {
            PartialOutputs.shared.remove(temporaryPath)
            throw OutputError(path: name, errorNumber: failure, action: "rename")
        }
        // The new name on stable storage too (a directory dump syncs its directories itself).
        if durable && syncs == nil { try syncDirectory(parentDirectory(of: finalPath)) }
    }

    func abandon() {
        guard open else { return }
        open = false
        _ = try? System.close(descriptor)
        PartialOutputs.shared.remove(temporaryPath)
    }
}

/// The directory holding `path`: what precedes its last `/` ("/" for a name at the root, "."
/// without a `/`).
func parentDirectory(of path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return slash == path.utf8.startIndex ? "/" : String(path[..<slash])
}

/// Syncs a directory's entries: names created or renamed in it are durable afterwards.
private func syncDirectory(_ path: String) throws {
    do {
        try System.sync(path: path)
    } catch {
        throw OutputError(path: path, errorNumber: error.errorNumber, action: "sync")
    }
}

/// A descriptor written in place: standard output, a device or a pipe given as `-r` (they
/// cannot be renamed onto). Committing one only closes it (standard output stays open).
final class DescriptorTarget: OutputTarget {
    let name: String
    private let descriptor: Int32

    /// Standard output.
    init() {
        name = "standard output"
        descriptor = 1
    }

    /// `path` (not a regular file), opened for writing.
    init(device path: String) throws {
        name = path
        do {
            descriptor = try System.open(path, O_WRONLY)
        } catch {
            throw OutputError(path: path, errorNumber: error.errorNumber, action: "open")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(bytes, to: descriptor, name: name)
    }

    func commit(durable: Bool) throws {
        guard descriptor > 2 else { return }
        do {
            try System.close(descriptor, path: name)
        } catch {
            throw OutputError(path: name, errorNumber: error.errorNumber, action: "close")
        }
    }

    func abandon() {
        if descriptor > 2 { _ = try? System.close(descriptor) }
    }
}

/// The target `-r PATH` names: a regular file (written under a temporary name), a device or a
/// pipe (written in place), or standard output without a path.
func outputTarget(path: String?, permissions: OutputPermissions) throws -> any OutputTarget {
    guard let path else { return DescriptorTarget() }
    if let status = System.status(path), status.kind != .regular { return try DescriptorTarget(device: path) }
    return try LocalFileTarget(path: path, permissions: permissions)
}

/// A directory dump's local directory: new (made, 0700 by default) or empty.
struct LocalDirectoryDestination: DumpDestination {
    let root: String
    let permissions: OutputPermissions
    /// The directories this dump made (the root too, unless it was there), in the order made.
    private let made = MadeDirectories()
    /// The syncs of the files closed so far, running on the write-back thread.
    private let syncs = SyncGroup()

    var name: String { root }

    init(root: String, permissions: OutputPermissions) throws {
        self.root = root
        self.permissions = permissions
        if let status = System.status(root) {
            guard status.kind == .directory else { throw DumpError.usage("\(root) exists and is not a directory") }
            guard (System.directoryEntries(root) ?? []).isEmpty else {
                throw DumpError.usage("\(root) is not empty: a directory dump needs a new or empty directory")
            }
        } else {
            try makeDirectory(root)
        }
    }

    private func makeDirectory(_ path: String) throws {
        var failure: SystemError?
        let created = PartialOutputs.shared.create(.directory(path)) {
            do throws(SystemError) {
                try System.makeDirectory(path, mode: permissions.directory)
                return true
            } catch {
                failure = error
                return false
            }
        }
        if created {
            made.append(path)
        } else if failure?.errorNumber != EEXIST {
            throw OutputError(path: path, errorNumber: failure?.errorNumber ?? EINTR, action: "create directory")
        }
    }

    func create(_ relativePath: String) throws -> any OutputTarget {
        if let slash = relativePath.lastIndex(of: "/") { try makeDirectory(root + "/" + relativePath[..<slash]) }
        return try LocalFileTarget(path: root + "/" + relativePath, permissions: permissions, syncs: syncs)
    }

    /// Waits for the files' syncs (started as each was closed), then syncs the directories
    /// holding them, deepest first, and the root's parent if the dump made the root.
    func makeDurable(_ relativePaths: [String]) throws -> [String: String] {
        try syncs.wait()
        var directories: Set<String> = [root]
        for path in relativePaths {
            if let slash = path.lastIndex(of: "/") { directories.insert(root + "/" + path[..<slash]) }
        }
        for directory in directories.sorted(by: >) { try syncDirectory(directory) }
        if made.all.first == root { try syncDirectory(parentDirectory(of: root)) }
        return [:]
    }

    func complete(_ relativePaths: [String]) {
        for path in relativePaths { PartialOutputs.shared.completed(.file(root + "/" + path)) }
        for directory in made.all { PartialOutputs.shared.completed(.directory(directory)) }
    }

    func remove(_ relativePaths: [String]) {
        for path in relativePaths { PartialOutputs.shared.remove(root + "/" + path) }
        for directory in made.all.reversed() {
            _ = try? System.removeDirectory(directory)
            PartialOutputs.shared.completed(.directory(directory))
        }
    }
}

/// The directories a destination made, appended to from reader threads.
private final class MadeDirectories: Sendable {
    private let paths = Mutex<[String]>([])
    func append(_ path: String) { paths.withLock { $0.append(path) } }
    var all: [String] { paths.withLock { $0 } }
}

/// Writes all of `bytes` to a target's descriptor; a failure is the target's write error.
private func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, name: String) throws(OutputError) {
    do {
        try System.write(descriptor, all: bytes, path: name)
    } catch {
        throw OutputError(path: name, errorNumber: error.errorNumber, action: "write")
    }
}
