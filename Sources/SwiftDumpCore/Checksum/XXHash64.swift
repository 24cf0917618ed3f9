/// XXH64, the 64-bit xxHash (seed 0): the checksum of a directory dump's files and rows.
///
/// Chosen over CRC-32 because it runs at several GB/s in plain Swift (zlib's CRC-32 took a
/// third of a directory dump's CPU), and because it is a published algorithm with a stock
/// tool: `xxhsum -H64 FILE` prints the value a manifest records for FILE.
///
/// Feed bytes with ``update(_:)`` in pieces of any size; ``value`` is the hash of all of them.
/// ``hash(_:)`` hashes one piece at once (a row).
public struct XXHash64: Sendable {
    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private var lanes: (UInt64, UInt64, UInt64, UInt64) = (prime1 &+ prime2, prime2, 0, 0 &- prime1)
    private var totalLength: UInt64 = 0
    /// Bytes not yet making up a 32-byte stripe.
    private var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var tailLength = 0

    public init() {}

    /// The hash of `bytes` alone.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return finish(prime5, remaining: UnsafeRawBufferPointer(start: nil, count: 0)) }
        var accumulator: UInt64
        var offset = 0
        if bytes.count >= 32 {
            var lanes: (UInt64, UInt64, UInt64, UInt64) = (prime1 &+ prime2, prime2, 0, 0 &- prime1)
            offset = consumeStripes(base, count: bytes.count, into: &lanes)
            accumulator = merge(lanes)
        } else {
            accumulator = prime5
        }
        accumulator &+= UInt64(bytes.count)
        return finish(accumulator, remaining: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, !bytes.isEmpty else { return }
        var count = bytes.count
        totalLength &+= UInt64(count)
        if tailLength > 0 {
            let taken = min(32 - tailLength, count)
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.advanced(by: tailLength).copyMemory(from: base, byteCount: taken) }
            tailLength += taken
            base += taken
            count -= taken
            guard tailLength == 32 else { return }
            withUnsafeBytes(of: tail) { _ = Self.consumeStripes($0.baseAddress!, count: 32, into: &lanes) }
            tailLength = 0
        }
        let consumed = Self.consumeStripes(base, count: count, into: &lanes)
        if consumed < count {
            withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: base + consumed, byteCount: count - consumed) }
            tailLength = count - consumed
        }
    }

    /// The hash of everything given to ``update(_:)`` so far.
    public var value: UInt64 {
        var accumulator = totalLength >= 32 ? Self.merge(lanes) : Self.prime5
        accumulator &+= totalLength
        return withUnsafeBytes(of: tail) { Self.finish(accumulator, remaining: UnsafeRawBufferPointer(rebasing: $0[..<tailLength])) }
    }

    /// The hash as the manifest and `xxhsum` write it: 16 lowercase hexadecimal digits.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    // MARK: The algorithm

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        rotate(accumulator &+ lane &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    /// Runs every whole 32-byte stripe of `count` bytes through the lanes; returns the bytes used.
    @inline(__always)
    private static func consumeStripes(_ base: UnsafeRawPointer, count: Int, into lanes: inout (UInt64, UInt64, UInt64, UInt64)) -> Int {
        var offset = 0
        var (v1, v2, v3, v4) = lanes
        while offset + 32 <= count {
            v1 = round(v1, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            v2 = round(v2, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
            v3 = round(v3, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
            v4 = round(v4, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
            offset += 32
        }
        lanes = (v1, v2, v3, v4)
        return offset
    }

    @inline(__always)
    private static func merge(_ lanes: (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
        let (v1, v2, v3, v4) = lanes
        var accumulator = rotate(v1, 1) &+ rotate(v2, 7) &+ rotate(v3, 12) &+ rotate(v4, 18)
        @inline(__always) func mergeLane(_ lane: UInt64) { accumulator = (accumulator ^ round(0, lane)) &* prime1 &+ prime4 }
        mergeLane(v1)
        mergeLane(v2)
        mergeLane(v3)
        mergeLane(v4)
        return accumulator
    }

    /// The last fewer-than-32 bytes, and the final avalanche.
    @inline(__always)
    private static func finish(_ start: UInt64, remaining: UnsafeRawBufferPointer) -> UInt64 {
        var accumulator = start
        var offset = 0
        let count = remaining.count
        if let base = remaining.baseAddress {
            while offset + 8 <= count {
                let lane = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                accumulator = rotate(accumulator ^ round(0, lane), 27) &* prime1 &+ prime4
                offset += 8
            }
            if offset + 4 <= count {
                let lane = UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                accumulator = rotate(accumulator ^ (lane &* prime1), 23) &* prime2 &+ prime3
                offset += 4
            }
            while offset < count {
                let lane = UInt64(base.load(fromByteOffset: offset, as: UInt8.self))
                accumulator = rotate(accumulator ^ (lane &* prime5), 11) &* prime1
                offset += 1
            }
        }
        accumulator ^= accumulator >> 33
        accumulator &*= prime2
        accumulator ^= accumulator >> 29
        accumulator &*= prime3
        accumulator ^= accumulator >> 32
        return accumulator
    }
}
