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

/// The dump's bytes on their way to an ``OutputTarget``: gathered into large blocks,
/// optionally compressed on several threads into independent zstd frames or gzip members, and
/// checksummed as stored.
///
/// A `-r FILE` target is a temporary file beside FILE, renamed over it only by ``commit()``;
/// a dump that fails is never left behind looking complete. Devices and pipes (`-r /dev/full`,
/// `-r /dev/stdout`) are written in place, since they cannot be renamed onto.
public final class OutputStream: ByteSink {
    private let target: any OutputTarget
    private var buffer: [UInt8] = []
    private let blockSize: Int
    private var closed = false
    private let compressor: ParallelCompressor?
    /// With `compressionThreads: 0`: blocks compressed on the writing thread itself.
    private let inlineCompressor: BlockCompressor?
    private var compressed: [UInt8] = []
    private let checksumming: Bool
    private let durable: Bool
    /// Bytes given to the stream, and bytes stored (after compression).
    public private(set) var bytesIn: UInt64 = 0
    public private(set) var bytesOut: UInt64 = 0
    /// XXH64 of the bytes stored, when asked for (`xxhsum -H64` agrees).
    private var hasher = XXHash64()
    public var checksum: UInt64 { hasher.value }

    /// Writes into `target`. `compressionThreads` compress blocks at once; with 0 the writing
    /// thread compresses (a directory dump, whose readers each write their own file).
    /// `durable: false` leaves the wait for stable storage to the caller (a directory dump
    /// makes all its files durable before the manifest): the commit only starts the write-back.
    init(target: any OutputTarget, compression: CompressionFormat? = nil, compressionThreads: Int = 1,
         checksum: Bool = false, durable: Bool = true) throws {
        self.target = target
        self.durable = durable
        checksumming = checksum
        // zstd and gzip see independent blocks: 4 MiB keeps the ratio within a fraction of a
        // percent of one long stream's.
        blockSize = compression == nil ? 1 << 20 : 4 << 20
        do {
            compressor = try compression.flatMap { compressionThreads > 0 ? try ParallelCompressor(format: $0, threads: compressionThreads) : nil }
            inlineCompressor = try compression.flatMap { compressionThreads == 0 ? try BlockCompressor($0) : nil }
        } catch {
            target.abandon()
            throw OutputError(path: target.name, errorNumber: 0, action: "compress", detail: "\(error)")
        }
        buffer.reserveCapacity(blockSize)
    }

    /// Standard output, or the result file `path` (written under a temporary name when it is,
    /// or will be, a regular file).
    public convenience init(path: String? = nil, compression: CompressionFormat? = nil, compressionThreads: Int = 1,
                            permissions: OutputPermissions = OutputPermissions()) throws {
        try self.init(target: outputTarget(path: path, permissions: permissions), compression: compression,
                      compressionThreads: compressionThreads)
    }

    deinit {
        if !closed { abandon() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        // Uncompressed, a large piece (a statement's rows) goes to the target as it is: no
        // copy into the buffer first.
        if compressor == nil && inlineCompressor == nil && bytes.count >= blockSize / 4 {
            try flush()
            bytesIn += UInt64(bytes.count)
            try store(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        bytesIn += UInt64(bytes.count)
        if buffer.count >= blockSize { try flush() }
    }

    /// Hands the buffered bytes on: to the compressors, or to the target.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        if let compressor {
            try compressor.submit(&buffer) { try store($0) }
            buffer.reserveCapacity(blockSize)
        } else if let inlineCompressor {
            do {
                try buffer.withUnsafeBytes { try inlineCompressor.compress($0, into: &compressed) }
            } catch {
                throw OutputError(path: target.name, errorNumber: 0, action: "compress", detail: "\(error)")
            }
            try compressed.withUnsafeBytes { try store($0) }
            buffer.removeAll(keepingCapacity: true)
        } else {
            try buffer.withUnsafeBytes { try store($0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes `bytes` to the target as they are stored.
    private func store(_ bytes: UnsafeRawBufferPointer) throws {
        try target.write(bytes)
        bytesOut += UInt64(bytes.count)
        if checksumming { hasher.update(bytes) }
    }

    /// Flushes, and makes the target complete (durable, unless asked otherwise).
    public func commit() throws {
        try flush()
        try compressor?.finish { try store($0) }
        closed = true
        try target.commit(durable: durable)
    }

    /// Drops a target that was not completed.
    public func abandon() {
        closed = true
        compressor?.abandon()
        target.abandon()
    }
}
