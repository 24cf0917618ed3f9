#if canImport(Glibc)
import Glibc
#endif

/// Where the dump's bytes go: a file descriptor written in large blocks.
///
/// With a path (`-r FILE`) the bytes go to a temporary file beside it, renamed over FILE only
/// by ``commit()``; a dump that fails is never left behind looking complete. Devices and pipes
/// (`-r /dev/full`, `-r /dev/stdout`) are written in place, since they cannot be renamed onto.
public final class OutputStream {
    private let descriptor: Int32
    /// What a write error message names: the file, or "standard output".
    private let name: String
    private let finalPath: String?
    private let temporaryPath: String?
    private var buffer: [UInt8] = []
    private let blockSize = 1 << 20
    private var closed = false

    /// Standard output.
    public init(standardOutput: Void = ()) {
        descriptor = 1
        name = "standard output"
        finalPath = nil
        temporaryPath = nil
        buffer.reserveCapacity(blockSize)
    }

    /// A result file, written under a temporary name when it is (or will be) a regular file.
    public init(path: String) throws(OutputError) {
        name = path
        var status = stat()
        let exists = stat(path, &status) == 0
        if exists && (status.st_mode & S_IFMT) != S_IFREG {
            descriptor = open(path, O_WRONLY | O_CLOEXEC)
            finalPath = nil
            temporaryPath = nil
        } else {
            let temporary = path + ".swiftdump-partial-\(getpid())"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            finalPath = path
            temporaryPath = temporary
        }
        if descriptor < 0 { throw OutputError(path: path, errorNumber: errno, action: "open") }
        buffer.reserveCapacity(blockSize)
    }

    deinit {
        if !closed { abandon() }
    }

    public func write(_ bytes: [UInt8]) throws(OutputError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= blockSize { try flush() }
    }

    public func write(_ text: String) throws(OutputError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= blockSize { try flush() }
    }

    /// Hands the buffered bytes to the kernel.
    public func flush() throws(OutputError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: name, errorNumber: errno, action: "write")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs a result file to disk and gives it its final name.
    public func commit() throws(OutputError) {
        try flush()
        closed = true
        guard let temporaryPath, let finalPath else {
            if descriptor > 2 { close(descriptor) }
            return
        }
        if fsync(descriptor) != 0 {
            let error = errno
            close(descriptor)
            unlink(temporaryPath)
            throw OutputError(path: name, errorNumber: error, action: "sync")
        }
        close(descriptor)
        if rename(temporaryPath, finalPath) != 0 {
            let error = errno
            unlink(temporaryPath)
            throw OutputError(path: name, errorNumber: error, action: "rename")
        }
    }

    /// Drops a result file that was not completed.
    public func abandon() {
        closed = true
        if descriptor > 2 { close(descriptor) }
        if let temporaryPath { unlink(temporaryPath) }
    }
}

/// A failed write, with the errno and the file it concerns (mysqldump exits 5 for these).
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let errorNumber: Int32
    public let action: String

    public var description: String {
        "Got errno \(errorNumber) on \(action) of \(path): \(String(cString: strerror(errorNumber)))"
    }
}
