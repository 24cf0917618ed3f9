import CZlib
import CZstd

/// The compressed formats swiftdump writes, with their level.
public enum CompressionFormat: Sendable, Equatable {
    case zstd(level: Int32)
    case gzip(level: Int32)

    /// As `--compress-output` spells it: `zstd:3`, `gzip:6`.
    public var name: String {
        switch self {
        case .zstd(let level): "zstd:\(level)"
        case .gzip(let level): "gzip:\(level)"
        }
    }

    /// The file name extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .zstd: "zst"
        case .gzip: "gz"
        }
    }
}

/// A compression failure (out of memory, a bad level): never expected, always reported.
public struct CompressionError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// Compresses independent blocks, each into a complete zstd frame or gzip member. Concatenated,
/// such blocks are one valid .zst / .gz file that the stock `zstd -d` and `gunzip` decode, and
/// they can be compressed on several threads at once. One instance per thread: it keeps its
/// compression context between blocks. `@unchecked Sendable`: it may be handed to another
/// thread, but is used by one thread at a time.
public final class BlockCompressor: @unchecked Sendable {
    public let format: CompressionFormat
    private var zstdContext: OpaquePointer?
    private var deflateStream = z_stream()
    private var deflateReady = false

    public init(_ format: CompressionFormat) throws {
        self.format = format
        switch format {
        case .zstd(let level):
            guard let context = ZSTD_createCCtx() else { throw CompressionError(description: "zstd: cannot create a compression context") }
            zstdContext = context
            let status = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            if ZSTD_isError(status) != 0 { throw Self.zstdError(status) }
            // A checksum per frame, as the zstd tool writes by default: a flipped byte is found.
            let checksum = ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
            if ZSTD_isError(checksum) != 0 { throw Self.zstdError(checksum) }
        case .gzip(let level):
            // windowBits 15 + 16: a gzip header and trailer around each block.
            let status = deflateInit2_(&deflateStream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                       ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw CompressionError(description: "zlib: deflateInit2 failed (\(status))") }
            deflateReady = true
        }
    }

    deinit {
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
        if deflateReady { deflateEnd(&deflateStream) }
    }

    /// Compresses `input` into `output` (replacing its contents) as one self-contained frame.
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        switch format {
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            output.removeAll(keepingCapacity: true)
            output.reserveCapacity(bound)
            let written = try output.withUnsafeMutableBufferPointer(growingTo: bound) { buffer in
                let size = ZSTD_compress2(zstdContext, buffer.baseAddress, bound, input.baseAddress, input.count)
                if ZSTD_isError(size) != 0 { throw Self.zstdError(size) }
                return size
            }
            output.removeLast(output.count - written)
        case .gzip:
            guard deflateReset(&deflateStream) == Z_OK else { throw CompressionError(description: "zlib: deflateReset failed") }
            let bound = Int(deflateBound(&deflateStream, UInt(input.count))) + 32
            output.removeAll(keepingCapacity: true)
            let written = try output.withUnsafeMutableBufferPointer(growingTo: bound) { buffer in
                deflateStream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                deflateStream.avail_in = uInt(input.count)
                deflateStream.next_out = buffer.baseAddress
                deflateStream.avail_out = uInt(bound)
                let status = deflate(&deflateStream, Z_FINISH)
                guard status == Z_STREAM_END else { throw CompressionError(description: "zlib: deflate failed (\(status))") }
                return bound - Int(deflateStream.avail_out)
            }
            output.removeLast(output.count - written)
        }
    }

    private static func zstdError(_ code: Int) -> CompressionError {
        CompressionError(description: "zstd: \(String(cString: ZSTD_getErrorName(code)))")
    }
}

extension Array where Element == UInt8 {
    /// Grows the array to `count` bytes (new bytes zeroed) and lends its storage.
    fileprivate mutating func withUnsafeMutableBufferPointer<Result>(growingTo count: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if self.count < count { append(contentsOf: repeatElement(0, count: count - self.count)) }
        return try withUnsafeMutableBufferPointer { try body($0) }
    }
}
