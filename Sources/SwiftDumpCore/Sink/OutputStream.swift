#if canImport(Glibc)
import Glibc
#endif
import MariaDBClient

/// Something the dump's bytes are written to.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ text: SQLText) throws {
        try write(text.bytes)
    }
}

/// Where the dump's bytes go: a file descriptor written in large blocks, optionally compressed
/// on several threads into independent zstd frames or gzip members.
///
/// With a path (`-r FILE`) the bytes go to a temporary file beside it, renamed over FILE only
/// by ``commit()``; a dump that fails is never left behind looking complete. Devices and pipes
/// (`-r /dev/full`, `-r /dev/stdout`) are written in place, since they cannot be renamed onto.
public final class OutputStream: ByteSink {
    /// Who may read what the dump writes: files `0666 & ~umask`, directories `0777 & ~umask`;
    /// by default only the owner (0600, 0700), whatever the process's umask allows.
    public struct Permissions: Sendable, Equatable {
        public var umask: mode_t = 0o077
        public init(umask: mode_t = 0o077) { self.umask = umask }
        public var file: mode_t { 0o666 & ~umask }
        public var directory: mode_t { 0o777 & ~umask }
    }

    private let descriptor: Int32
    /// What a write error message names: the file, or "standard output".
    private let name: String
    private let finalPath: String?
    private let temporaryPath: String?
    private var buffer: [UInt8] = []
    private let blockSize: Int
    private var closed = false
    private let compressor: ParallelCompressor?
    /// With `compressionThreads: 0`: blocks compressed on the writing thread itself.
    private let inlineCompressor: BlockCompressor?
    private var compressed: [UInt8] = []
    private let checksumming: Bool
    private let syncsOnCommit: Bool
    /// Bytes given to the stream, and bytes written to the file (after compression).
    public private(set) var bytesIn: UInt64 = 0
    public private(set) var bytesOut: UInt64 = 0
    /// XXH64 of the bytes written to the file, when asked for (`xxhsum -H64` agrees).
    private var hasher = XXHash64()
    public var checksum: UInt64 { hasher.value }

    /// Standard output, or the result file `path`, written under a temporary name when it is
    /// (or will be) a regular file. `compressionThreads` compress blocks at once; with 0 the
    /// writing thread compresses (a directory dump, whose readers each write their own file).
    /// `syncsOnCommit: false` leaves the fsync to the caller (``syncFile(_:)``, a directory dump
    /// syncs all its files at the end): the commit only starts the write-back.
    public init(path: String? = nil, compression: CompressionFormat? = nil, compressionThreads: Int = 1,
                checksum: Bool = false, syncsOnCommit: Bool = true, permissions: Permissions = Permissions()) throws {
        self.syncsOnCommit = syncsOnCommit
        if let path {
            name = path
            var status = stat()
            let exists = stat(path, &status) == 0
            if exists && (status.st_mode & S_IFMT) != S_IFREG {
                descriptor = open(path, O_WRONLY | O_CLOEXEC)
                finalPath = nil
                temporaryPath = nil
            } else {
                let temporary = path + ".swiftdump-partial-\(getpid())"
                var opened: Int32 = -1
                // O_EXCL: never write into a file someone else made (or linked) under our name;
                // one left by an earlier run that had our process id is removed first.
                _ = PartialOutputs.shared.create(.file(temporary)) {
                    opened = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions.file)
                    if opened < 0 && errno == EEXIST && unlink(temporary) == 0 {
                        opened = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions.file)
                    }
                    return opened >= 0
                }
                descriptor = opened
                finalPath = path
                temporaryPath = temporary
            }
            if descriptor < 0 { throw OutputError(path: path, errorNumber: errno == 0 ? EINTR : errno, action: "open") }
        } else {
            descriptor = 1
            name = "standard output"
            finalPath = nil
            temporaryPath = nil
        }
        checksumming = checksum
        // zstd and gzip see independent blocks: 4 MiB keeps the ratio within a fraction of a
        // percent of one long stream's.
        blockSize = compression == nil ? 1 << 20 : 4 << 20
        do {
            compressor = try compression.flatMap { compressionThreads > 0 ? try ParallelCompressor(format: $0, threads: compressionThreads) : nil }
            inlineCompressor = try compression.flatMap { compressionThreads == 0 ? try BlockCompressor($0) : nil }
        } catch {
            if descriptor > 2 { close(descriptor) }
            if let temporaryPath { Self.remove(temporaryPath) }
            throw OutputError(path: name, errorNumber: 0, action: "compress", detail: "\(error)")
        }
        buffer.reserveCapacity(blockSize)
    }

    deinit {
        if !closed { abandon() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        // Uncompressed, a large piece (a statement's rows) goes to the kernel as it is: no
        // copy into the buffer first.
        if compressor == nil && inlineCompressor == nil && bytes.count >= blockSize / 4 {
            try flush()
            bytesIn += UInt64(bytes.count)
            try writeOut(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        bytesIn += UInt64(bytes.count)
        if buffer.count >= blockSize { try flush() }
    }

    /// Hands the buffered bytes on: to the compressors, or to the kernel.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        if let compressor {
            try compressor.submit(&buffer) { try writeOut($0) }
            buffer.reserveCapacity(blockSize)
        } else if let inlineCompressor {
            do {
                try buffer.withUnsafeBytes { try inlineCompressor.compress($0, into: &compressed) }
            } catch {
                throw OutputError(path: name, errorNumber: 0, action: "compress", detail: "\(error)")
            }
            try compressed.withUnsafeBytes { try writeOut($0) }
            buffer.removeAll(keepingCapacity: true)
        } else {
            try buffer.withUnsafeBytes { try writeOut($0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes `bytes` to the descriptor as they are.
    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: name, errorNumber: errno, action: "write")
            }
            offset += written
        }
        bytesOut += UInt64(bytes.count)
        if checksumming { hasher.update(bytes) }
    }

    /// Flushes, syncs a result file to disk and gives it its final name.
    public func commit() throws {
        try flush()
        try compressor?.finish { try writeOut($0) }
        closed = true
        guard let temporaryPath, let finalPath else {
            if descriptor > 2 { close(descriptor) }
            return
        }
        if syncsOnCommit {
            if fsync(descriptor) != 0 {
                let error = errno
                close(descriptor)
                Self.remove(temporaryPath)
                throw OutputError(path: name, errorNumber: error, action: "sync")
            }
        } else {
            // Starts writing the file back now, so the final sync finds little left to do;
            // the file's pages leave the cache once written (a backup is not read back soon).
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        }
        if close(descriptor) != 0 {
            let error = errno
            Self.remove(temporaryPath)
            throw OutputError(path: name, errorNumber: error, action: "close")
        }
        let failure = PartialOutputs.shared.rename(temporaryPath, to: finalPath, stillPartial: registersFinalName)
        if failure != 0 {
            Self.remove(temporaryPath)
            throw OutputError(path: name, errorNumber: failure, action: "rename")
        }
    }

    /// A directory dump's files are partial output until its manifest is written.
    var registersFinalName = false

    private static func remove(_ path: String) {
        unlink(path)
        PartialOutputs.shared.completed(.file(path))
    }

    /// Makes a committed file, or a directory's entries, durable.
    public static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OutputError(path: path, errorNumber: errno, action: "open") }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw OutputError(path: path, errorNumber: errno, action: "sync") }
    }

    /// Drops a result file that was not completed.
    public func abandon() {
        closed = true
        compressor?.abandon()
        if descriptor > 2 { close(descriptor) }
        if let temporaryPath { Self.remove(temporaryPath) }
    }
}

/// A failed write, with the errno and the file it concerns (mysqldump exits 5 for these).
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let errorNumber: Int32
    public let action: String
    public var detail: String?

    public init(path: String, errorNumber: Int32, action: String, detail: String? = nil) {
        self.path = path
        self.errorNumber = errorNumber
        self.action = action
        self.detail = detail
    }

    public var description: String {
        if let detail { return "Could not \(action) \(path): \(detail)" }
        return "Got errno \(errorNumber) on \(action) of \(path): \(String(cString: strerror(errorNumber)))"
    }
}
