/// A growable byte buffer for the hot path: rows are written into it through a raw cursor
/// (``ByteWriter``) with one capacity check per row, not one per byte, and the buffer is handed
/// on whole — from a reader to the writer thread, and back for reuse.
///
/// `@unchecked Sendable`: a buffer is owned by one thread at a time. A reader fills it, gives it
/// away (``StreamAssembly``) and never touches it again; the writer reads it and returns it to a
/// ``BatchRecycler``, from which the next reader takes it.
public final class ByteBuffer: @unchecked Sendable {
    public private(set) var count = 0
    private(set) var capacity: Int
    private var storage: UnsafeMutableRawPointer

    public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The bytes written so far.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    /// The bytes in `range` (offsets into ``bytes``).
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the buffer")
        return UnsafeRawBufferPointer(start: storage + range.lowerBound, count: range.count)
    }

    public func removeAll() { count = 0 }

    /// Lends a writer with room for at most `maximum` more bytes; what it wrote is kept.
    /// `body` must not write more than `maximum` bytes (the formatter computes a bound per row).
    @inline(__always)
    public func append<Result>(atMost maximum: Int, _ body: (inout ByteWriter) throws -> Result) rethrows -> Result {
        if count + maximum > capacity { grow(toHold: count + maximum) }
        var writer = ByteWriter(start: (storage + count).assumingMemoryBound(to: UInt8.self), limit: maximum)
        defer { count += writer.written }
        return try body(&writer)
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        append(atMost: bytes.count) { $0.put(bytes) }
    }

    private func grow(toHold needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newStorage.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }
}

/// A cursor into a ``ByteBuffer``'s reserved space. Unchecked in release builds: the caller
/// reserved enough (``ByteBuffer/append(atMost:_:)``); debug builds check every write.
public struct ByteWriter {
    private let start: UnsafeMutablePointer<UInt8>
    private var cursor: UnsafeMutablePointer<UInt8>
    private let limit: Int

    init(start: UnsafeMutablePointer<UInt8>, limit: Int) {
        self.start = start
        self.cursor = start
        self.limit = limit
    }

    /// Bytes written through this writer.
    public var written: Int { cursor - start }

    /// The bytes written through this writer since `offset`.
    public func bytes(from offset: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: start + offset, count: written - offset)
    }

    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        assert(written < limit, "ByteWriter overflow")
        cursor.pointee = byte
        cursor += 1
    }

    @inline(__always)
    public mutating func put(_ first: UInt8, _ second: UInt8) {
        assert(written + 2 <= limit, "ByteWriter overflow")
        cursor[0] = first
        cursor[1] = second
        cursor += 2
    }

    /// Copies `bytes`; short runs (numbers, most values) without a call to memmove.
    @inline(__always)
    public mutating func put(_ bytes: UnsafeRawBufferPointer) {
        assert(written + bytes.count <= limit, "ByteWriter overflow")
        let count = bytes.count
        guard count > 0, let source = bytes.baseAddress else { return }
        if count <= 16 {
            let from = source.assumingMemoryBound(to: UInt8.self)
            for index in 0..<count { cursor[index] = from[index] }
        } else {
            UnsafeMutableRawPointer(cursor).copyMemory(from: source, byteCount: count)
        }
        cursor += count
    }

    /// Copies `bytes` escaped inside single quotes (without the quotes), as
    /// `mysql_real_escape_string` does for utf8mb4: NUL, LF, CR, Ctrl-Z, both quotes and the
    /// backslash get a backslash. Most values have nothing to escape, so 8 bytes are tested at
    /// once (``mayNeedEscaping(_:)``) and copied whole; a word with a byte that may need
    /// escaping goes byte by byte. Multi-byte UTF-8 sequences never contain those bytes, so no
    /// decoding is needed.
    @inline(__always)
    public mutating func putEscaped(_ bytes: UnsafeRawBufferPointer) {
        assert(written + 2 * bytes.count <= limit, "ByteWriter overflow")
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if Self.mayNeedEscaping(word) {
                for offset in 0..<8 { putEscaped(byte: base.load(fromByteOffset: index + offset, as: UInt8.self)) }
            } else {
                UnsafeMutableRawPointer(cursor).storeBytes(of: word, as: UInt64.self)
                cursor += 8
            }
            index += 8
        }
        while index < count {
            putEscaped(byte: base.load(fromByteOffset: index, as: UInt8.self))
            index += 1
        }
    }

    /// True if one of the word's 8 bytes is a control byte (NUL, LF, CR and Ctrl-Z are) or one
    /// of `"`, `'`, `\`: the classic "has a byte less than n" and "has a zero byte" bit tricks,
    /// exact about whether such a byte exists (tab and other control bytes are false alarms).
    @inline(__always)
    static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        let special = hasZeroByte(word ^ (ones &* 0x22)) | hasZeroByte(word ^ (ones &* 0x27)) | hasZeroByte(word ^ (ones &* 0x5C))
        return (control | special) != 0
    }

    @inline(__always)
    private mutating func putEscaped(byte: UInt8) {
        let letter = Self.escapeLetter[Int(byte)]
        if letter == 0 {
            put(byte)
        } else {
            put(UInt8(ascii: "\\"), letter)
        }
    }

    /// Copies `bytes` as uppercase hexadecimal digits (two per byte, without `0x`).
    @inline(__always)
    public mutating func putHex(_ bytes: UnsafeRawBufferPointer) {
        assert(written + 2 * bytes.count <= limit, "ByteWriter overflow")
        for byte in bytes {
            put(Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    /// For each byte, the letter written after the backslash, or 0 when the byte is copied:
    /// the one escape table, for row values and for every literal SQLText builds.
    static let escapeLetter: StaticTable = {
        var table = StaticTable()
        table[0x00] = UInt8(ascii: "0")
        table[0x0A] = UInt8(ascii: "n")
        table[0x0D] = UInt8(ascii: "r")
        table[0x1A] = UInt8(ascii: "Z")
        table[0x5C] = UInt8(ascii: "\\")
        table[0x27] = UInt8(ascii: "'")
        table[0x22] = UInt8(ascii: "\"")
        return table
    }()

    static let hexDigits: StaticTable = {
        var table = StaticTable()
        for (index, digit) in "0123456789ABCDEF".utf8.enumerated() { table[index] = digit }
        return table
    }()
}

/// 256 bytes indexed without bounds checks or reference counting: a lookup table.
struct StaticTable: @unchecked Sendable {
    // @unchecked Sendable: built once in a `static let`, read-only afterwards.
    private let storage: UnsafeMutablePointer<UInt8>

    init() {
        storage = .allocate(capacity: 256)
        storage.initialize(repeating: 0, count: 256)
    }

    subscript(index: Int) -> UInt8 {
        @inline(__always) get { storage[index & 0xFF] }
        nonmutating set { storage[index & 0xFF] = newValue }
    }
}

extension Array where Element == UInt8 {
    /// `count` bytes to read into, not zeroed first: every byte is written before it is read.
    /// A directory restore opens every file two or three times (checked, scanned, loaded), each
    /// with a megabyte to read into: zeroing those was a fifth of its CPU with small tables.
    init(readBuffer count: Int) {
        self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
