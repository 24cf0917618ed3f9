#if canImport(Glibc)
import Glibc
#endif
import CSystem

/// A system call that failed: the call, what it was about, and errno.
struct SystemError: Error, Sendable, CustomStringConvertible {
    let errorNumber: Int32
    let call: String
    let path: String?

    var description: String {
        "\(call)\(path.map { " \($0)" } ?? ""): \(String(cString: strerror(errorNumber)))"
    }
}

/// Every system call the engine makes, in one place: small wrappers that retry a call the
/// kernel interrupted (EINTR: one loop, ``retrying(_:)``) and turn a failure into a
/// ``SystemError`` that carries errno. Callers decide what a failure means (an unreadable
/// input, a write error).
enum System {
    /// Runs `call` again while it fails with EINTR; returns its last result.
    @inline(__always)
    private static func retrying<Result: FixedWidthInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    private static func check(_ result: Int32, _ call: String, _ path: String?) throws(SystemError) {
        if result == -1 { throw SystemError(errorNumber: errno, call: call, path: path) }
    }

    // MARK: Files

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
        let descriptor = retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
        try check(descriptor, "open", path)
        return descriptor
    }

    /// Closes `descriptor`; a failure (a delayed write error on some file systems) is reported.
    static func close(_ descriptor: Int32, path: String? = nil) throws(SystemError) {
        // Not retried: after EINTR the descriptor is closed on Linux.
        if Glibc.close(descriptor) == -1 && errno != EINTR { throw SystemError(errorNumber: errno, call: "close", path: path) }
    }

    /// Reads into `buffer`; 0 at the end of the file.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String? = nil) throws(SystemError) -> Int {
        let count = retrying { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
        if count == -1 { throw SystemError(errorNumber: errno, call: "read", path: path) }
        return count
    }

    /// Reads into `buffer` (all of its capacity); 0 at the end of the file.
    static func read(_ descriptor: Int32, into buffer: inout [UInt8], path: String? = nil) throws(SystemError) -> Int {
        let count = buffer.withUnsafeMutableBytes { raw in retrying { Glibc.read(descriptor, raw.baseAddress, raw.count) } }
        if count == -1 { throw SystemError(errorNumber: errno, call: "read", path: path) }
        return count
    }

    /// Reads into `buffer` from `offset` (several readers of one descriptor share no offset).
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: off_t, path: String? = nil) throws(SystemError) -> Int {
        let count = retrying { pread(descriptor, buffer.baseAddress, buffer.count, offset) }
        if count == -1 { throw SystemError(errorNumber: errno, call: "read", path: path) }
        return count
    }

    /// Writes all of `bytes`, however many calls it takes.
    static func write(_ descriptor: Int32, all bytes: UnsafeRawBufferPointer, path: String? = nil) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = retrying { Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
            if written == -1 { throw SystemError(errorNumber: errno, call: "write", path: path) }
            offset += written
        }
    }

    /// Writes all of `bytes`.
    static func write(_ descriptor: Int32, all bytes: ArraySlice<UInt8>, path: String? = nil) throws(SystemError) {
        let failure = bytes.withUnsafeBytes { raw -> SystemError? in
            do throws(SystemError) { try write(descriptor, all: raw, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    static func sync(_ descriptor: Int32, path: String? = nil) throws(SystemError) {
        try check(retrying { fsync(descriptor) }, "fsync", path)
    }

    /// Makes a file, or a directory's entries, durable.
    static func sync(path: String) throws(SystemError) {
        let descriptor = try open(path, O_RDONLY)
        defer { _ = try? close(descriptor) }
        try sync(descriptor, path: path)
    }

    /// A second descriptor for the same open file: its own lifetime, the same write-back
    /// errors (an fsync through either reports what failed since the file was opened).
    static func duplicate(_ descriptor: Int32, path: String? = nil) throws(SystemError) -> Int32 {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        try check(copy, "dup", path)
        return copy
    }

    /// Writes a range of the file's pages to the device and waits until they are there
    /// (sync_file_range: data only, no metadata, no device cache flush; the final fsync does
    /// those and finds little left), then lets them leave the cache: a backup is not read soon.
    /// Failures are not reported here: that fsync reports them.
    static func writeBack(_ descriptor: Int32, offset: UInt64, count: UInt64) {
        let flags = UInt32(SWIFTDUMP_SYNC_FILE_RANGE_WAIT_BEFORE | SWIFTDUMP_SYNC_FILE_RANGE_WRITE
                           | SWIFTDUMP_SYNC_FILE_RANGE_WAIT_AFTER)
        _ = retrying { sync_file_range(descriptor, Int64(offset), Int64(count), flags) }
        dropCache(descriptor, offset: offset, count: count)
    }

    /// Lets the file's written pages leave the cache (0 bytes: to its end).
    static func dropCache(_ descriptor: Int32, offset: UInt64 = 0, count: UInt64 = 0) {
        _ = posix_fadvise(descriptor, off_t(offset), off_t(count), POSIX_FADV_DONTNEED)
    }

    static func rename(_ from: String, to: String) throws(SystemError) {
        try check(retrying { Glibc.rename(from, to) }, "rename", from)
    }

    static func unlink(_ path: String) throws(SystemError) {
        try check(retrying { Glibc.unlink(path) }, "unlink", path)
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        try check(retrying { mkdir(path, mode) }, "mkdir", path)
    }

    static func removeDirectory(_ path: String) throws(SystemError) {
        try check(retrying { rmdir(path) }, "rmdir", path)
    }

    enum FileKind: Equatable {
        case regular, directory, other
    }

    /// What is at `path` and its size; nil if nothing is.
    static func status(_ path: String) -> (kind: FileKind, size: UInt64)? {
        var status = stat()
        guard retrying({ stat(path, &status) }) == 0 else { return nil }
        let kind: FileKind = switch status.st_mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        default: .other
        }
        return (kind, UInt64(status.st_size))
    }

    static func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }

    /// The names in a directory (without `.` and `..`), or nil if it cannot be read.
    static func directoryEntries(_ path: String) -> [String]? {
        guard let handle = opendir(path) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A whole (small) file: an option file, a manifest.
    static func contents(of path: String) throws(SystemError) -> [UInt8] {
        let descriptor = try open(path, O_RDONLY)
        defer { _ = try? close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try read(descriptor, into: &buffer, path: path)
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }

    /// A new file only this process can reach, already unlinked: a copy of standard input.
    static func anonymousFile(in directory: String) throws(SystemError) -> Int32 {
        var template = Array((directory + "/swiftrestore-stdin-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if descriptor == -1 { throw SystemError(errorNumber: errno, call: "mkstemp", path: directory) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = Glibc.unlink($0.baseAddress!) }
        return descriptor
    }

    // MARK: The process

    /// An environment variable's value.
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// Ignores `signal` (SIGXFSZ: a file-size limit then makes writes fail instead).
    static func ignore(_ signal: Int32) { _ = Glibc.signal(signal, SIG_IGN) }

    /// Ends the process at once: no cleanup of Swift's, no flushing of stdio.
    static func exitNow(_ code: Int32) -> Never { _exit(code) }

    // MARK: Terminals and time

    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }

    /// Runs `body` with the terminal's echo off (a password prompt), restoring it after.
    static func withoutEcho<Result>(_ terminal: Int32, _ body: () throws -> Result) rethrows -> Result {
        var saved = termios()
        let haveAttributes = tcgetattr(terminal, &saved) == 0
        if haveAttributes {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(terminal, TCSANOW, &silent)
        }
        defer { if haveAttributes { tcsetattr(terminal, TCSANOW, &saved) } }
        return try body()
    }

    /// The local date and time, broken down.
    static func localTime() -> tm {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return parts
    }
}
