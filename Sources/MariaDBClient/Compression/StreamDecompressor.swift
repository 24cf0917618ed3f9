import CZlib
import CZstd

/// The formats a dump file can be in, told apart by their first bytes.
public enum InputCompression: Sendable, Equatable {
    case none
    case gzip
    case zstd

    /// gzip members start with 1f 8b, zstd frames with 28 b5 2f fd; anything else is plain.
    public static func detect(_ prefix: UnsafeRawBufferPointer) -> InputCompression {
        if prefix.count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B { return .gzip }
        if prefix.count >= 4 && prefix[0] == 0x28 && prefix[1] == 0xB5 && prefix[2] == 0x2F && prefix[3] == 0xFD { return .zstd }
        return .none
    }

    public var name: String {
        switch self {
        case .none: "plain"
        case .gzip: "gzip"
        case .zstd: "zstd"
        }
    }
}

/// A damaged or truncated compressed input: what the decoder said, and where.
public struct DecompressionError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Decodes a gzip or zstd stream fed in pieces of any size: every member of a multi-member
/// gzip file (what `swiftdump` and `pigz` write) and every frame of a multi-frame zstd file.
/// The end of the input must be the end of a member or frame (``finish()``), else the file
/// was cut short. zstd content checksums and gzip CRCs are checked as the data passes.
public final class StreamDecompressor {
    public let format: InputCompression
    private var zstdContext: OpaquePointer?
    private var inflater = z_stream()
    private var inflaterReady = false
    /// True between members or frames: the input may end here.
    private var atBoundary = true
    /// Bytes decoded so far, for messages.
    public private(set) var bytesOut: UInt64 = 0
    public private(set) var bytesIn: UInt64 = 0

    public init(_ format: InputCompression) throws {
        precondition(format != .none, "nothing to decompress")
        self.format = format
        switch format {
        case .zstd:
            guard let context = ZSTD_createDCtx() else { throw DecompressionError("zstd: cannot create a decompression context") }
            zstdContext = context
        case .gzip:
            // 15 + 16: gzip wrapping only (a zlib or raw stream is not a .gz file).
            let status = inflateInit2_(&inflater, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw DecompressionError("zlib: inflateInit2 failed (\(status))") }
            inflaterReady = true
        case .none:
            break
        }
    }

    deinit {
        if let zstdContext { ZSTD_freeDCtx(zstdContext) }
        if inflaterReady { inflateEnd(&inflater) }
    }

    /// Decodes as much of `input` as fits in `output`; returns the input bytes used and the
    /// output bytes written. When the output filled up, call again (with the rest of the input,
    /// which may be empty: zstd can hold decoded bytes back).
    public func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int) {
        guard let outputBase = output.baseAddress, !output.isEmpty else { return (0, 0) }
        switch format {
        case .zstd:
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var destination = ZSTD_outBuffer(dst: outputBase, size: output.count, pos: 0)
            let status = ZSTD_decompressStream(zstdContext, &destination, &source)
            if ZSTD_isError(status) != 0 {
                throw DecompressionError("zstd: \(String(cString: ZSTD_getErrorName(status))) (after \(bytesIn + UInt64(source.pos)) compressed bytes)")
            }
            // 0: a frame just ended and its checksum (if it has one) matched.
            if source.pos > 0 || destination.pos > 0 { atBoundary = status == 0 }
            bytesIn += UInt64(source.pos)
            bytesOut += UInt64(destination.pos)
            return (source.pos, destination.pos)
        case .gzip:
            guard let inputBase = input.baseAddress else { return (0, 0) }
            var consumed = 0
            var produced = 0
            while consumed < input.count && produced < output.count {
                // A new member must start with the gzip magic; anything else is damage.
                if atBoundary && input[consumed] != 0x1F {
                    throw DecompressionError("gzip: no gzip member at compressed byte \(bytesIn + UInt64(consumed)) (trailing garbage or damage)")
                }
                inflater.next_in = UnsafeMutablePointer(mutating: (inputBase + consumed).assumingMemoryBound(to: Bytef.self))
                inflater.avail_in = uInt(min(input.count - consumed, Int(UInt32.max)))
                inflater.next_out = (outputBase + produced).assumingMemoryBound(to: Bytef.self)
                inflater.avail_out = uInt(min(output.count - produced, Int(UInt32.max)))
                let before = (inflater.avail_in, inflater.avail_out)
                let status = inflate(&inflater, Z_NO_FLUSH)
                consumed += Int(before.0 - inflater.avail_in)
                produced += Int(before.1 - inflater.avail_out)
                if status == Z_STREAM_END {
                    // One member done, its CRC-32 and length checked; another may follow.
                    guard inflateReset(&inflater) == Z_OK else { throw DecompressionError("zlib: inflateReset failed") }
                    atBoundary = true
                } else if status == Z_OK {
                    atBoundary = false
                } else if status == Z_BUF_ERROR {
                    atBoundary = false
                    break
                } else {
                    let message = inflater.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw DecompressionError("gzip: \(message) (near compressed byte \(bytesIn + UInt64(consumed)))")
                }
            }
            bytesIn += UInt64(consumed)
            bytesOut += UInt64(produced)
            return (consumed, produced)
        case .none:
            return (0, 0)
        }
    }

    /// The input has ended: it must have ended with a complete member or frame.
    public func finish() throws {
        guard atBoundary else {
            throw DecompressionError("\(format.name): the data ends in the middle of a \(format == .zstd ? "frame" : "member") (the file is truncated)")
        }
    }

}
