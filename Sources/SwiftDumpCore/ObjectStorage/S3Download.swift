import Foundation
import MariaDBClient

/// One object of the store as a ``ByteSource``: its size and version (ETag) from the listing
/// or a HEAD, and, for a stream swiftdump wrote, the XXH64 it recorded in a tag. Each reading
/// fetches ranges on several connections ahead of the reader (``S3ObjectReader``): nothing is
/// staged on local disk, and every range must come from the same version of the object.
struct S3Object: ByteSource {
    /// The tag holding a stream's XXH64, written once its upload is complete.
    static let checksumTag = "swiftdump-xxh64"

    let client: S3Client
    let address: S3Address
    let size: UInt64
    let etag: String?
    /// What the object's bytes must hash to (nil: the object has no such tag).
    let expectedChecksum: UInt64?

    var name: String { address.description }
    var version: String? { etag }

    /// The object at `address`, or nil if there is none. `readingTags`: look for the checksum
    /// tag (a stream; a directory dump's files are checked against the manifest instead).
    static func find(_ address: S3Address, client: S3Client, readingTags: Bool) throws -> S3Object? {
        guard let head = try client.head(address) else { return nil }
        var checksum: UInt64?
        if readingTags, let hex = try client.tags(address)[checksumTag] { checksum = UInt64(hex, radix: 16) }
        return S3Object(client: client, address: address, size: UInt64(head.header("content-length") ?? "0") ?? 0,
                        etag: head.header("etag"), expectedChecksum: checksum)
    }

    func makeReader() throws -> ByteReader {
        S3ObjectReader(object: self)
    }
}

/// Reads an object in order while later ranges are already on their way: the first ranges are
/// small and fetched one at a time (a reader that only looks at the first bytes wastes
/// little), later ones 8 MiB, up to four ahead. At the end, the bytes read must be the object's size and, with a recorded
/// checksum, hash to it: a truncated or altered object is refused (``InputError``) before the
/// restore has applied anything, since the first reading of a dump is its check.
final class S3ObjectReader: ByteReader {
    private let object: S3Object
    private let fetched = Monitor(Fetched())
    private var current: [UInt8] = []
    private var consumed = 0
    private var nextToRead = 0
    private var nextOffset: UInt64 = 0
    private var ranges = 0
    private var total: UInt64 = 0
    private var hasher = XXHash64()

    private struct Fetched {
        var ranges: [Int: Result<[UInt8], any Error>] = [:]
        var cancelled = false
    }

    static let largestRange: UInt64 = 8 << 20
    static let ahead = 4

    init(object: S3Object) {
        self.object = object
    }

    deinit { fetched.withLock { $0.cancelled = true } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while consumed == current.count {
            guard try takeNextRange() else { return 0 }
        }
        let count = min(buffer.count, current.count - consumed)
        current.withUnsafeBytes { bytes in
            buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + consumed, byteCount: count)
        }
        consumed += count
        return count
    }

    /// Waits for the next range (starting more); false at the end, once the object is checked.
    /// The ranges fetched ahead grow from one with what has been read.
    private func takeNextRange() throws -> Bool {
        while ranges - nextToRead < min(Self.ahead, nextToRead + 1) && nextOffset < object.size { startRange() }
        guard nextToRead < ranges else {
            try checkEnd()
            return false
        }
        let number = nextToRead
        let result = fetched.wait(for: { $0.ranges.removeValue(forKey: number) })
        let bytes: [UInt8]
        do {
            bytes = try result.get()
        } catch let error as ObjectStoreError where error.status == 412 {
            throw InputError("\(object.name) changed while it was being read (its ETag is no longer \(object.etag ?? "")); nothing was applied from the new version")
        }
        nextToRead += 1
        if object.expectedChecksum != nil { bytes.withUnsafeBytes { hasher.update($0) } }
        total += UInt64(bytes.count)
        current = bytes
        consumed = 0
        return true
    }

    private func startRange() {
        let size = min(Self.largestRange, UInt64(256 << 10) << UInt64(min(ranges, 5)), object.size - nextOffset)
        let range = nextOffset..<nextOffset + size
        let number = ranges
        ranges += 1
        nextOffset += size
        let fetched = self.fetched
        let object = self.object
        object.client.submitRead(object.address, range: range, etag: object.etag, isCancelled: { fetched.withLock { $0.cancelled } }) { result in
            fetched.withLock { $0.ranges[number] = result }
        }
    }

    private func checkEnd() throws {
        guard total == object.size else {
            throw InputError("\(object.name): \(total) bytes read of \(object.size); nothing was applied")
        }
        if let expected = object.expectedChecksum, hasher.value != expected {
            throw InputError("\(object.name) is not the object swiftdump wrote: its XXH64 is \(XXHash64.hex(hasher.value)), the upload recorded \(XXHash64.hex(expected)); nothing was applied")
        }
    }
}

/// A directory dump in a bucket, as a ``DumpLocation``: listed once, each file an
/// ``S3Object`` (checked against the manifest by the restore).
struct S3Directory: DumpLocation {
    let client: S3Client
    let prefix: S3Address
    /// By the bytes of the path under the prefix: Swift's `String` equality would make two
    /// keys that differ only in Unicode normalization one.
    private let files: [[UInt8]: (size: UInt64, etag: String?)]

    var name: String { prefix.description }

    init(client: S3Client, prefix: S3Address) throws {
        self.client = client
        self.prefix = prefix.asDirectory
        var files: [[UInt8]: (size: UInt64, etag: String?)] = [:]
        for object in try client.list(self.prefix) {
            if let path = self.prefix.relativePath(of: object.key) { files[Array(path.utf8)] = (object.size, object.etag) }
        }
        self.files = files
    }

    var isEmpty: Bool { files.isEmpty }

    func file(_ relativePath: String) throws -> (any ByteSource)? {
        guard let (size, etag) = files[Array(relativePath.utf8)] else { return nil }
        return S3Object(client: client, address: prefix.appending(relativePath), size: size, etag: etag, expectedChecksum: nil)
    }

    func allFiles() throws -> [String] {
        files.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }
}

extension S3Client {
    /// Fetches bytes `range` on a connection of the pool; `done` gets them on its thread.
    func submitRead(_ address: S3Address, range: Range<UInt64>, etag: String?, isCancelled: @escaping @Sendable () -> Bool,
                    done: @escaping @Sendable (Result<[UInt8], any Error>) -> Void) {
        var headers = [("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")]
        if let etag { headers.append(("If-Match", etag)) }
        var request = S3Request(method: .get, address: address, headers: headers, action: "read")
        request.expectedBytes = Int(range.count)
        request.isCancelled = isCancelled
        submit(request) { result in
            done(result.flatMap { reply in
                guard reply.body.count == range.count else {
                    return .failure(ObjectStoreError(address: address, action: "read", status: reply.status, code: nil,
                                                     detail: "\(reply.body.count) bytes came for a range of \(range.count)"))
                }
                return .success(reply.body)
            })
        }
    }

    /// The input `text` names: an object, or a directory dump (a prefix ending in `/`, or one
    /// under which objects are listed).
    func input(_ text: String) throws -> RestoreSource {
        let address = try S3Address(parsing: text)
        if !address.isDirectory, let object = try S3Object.find(address, client: self, readingTags: true) {
            return .object(object)
        }
        let directory = try S3Directory(client: self, prefix: address)
        guard !directory.isEmpty else { throw InputError("\(address): there is no such object, and no object under \(address.asDirectory)") }
        return .directory(directory)
    }

    enum RestoreSource {
        case object(S3Object)
        case directory(S3Directory)
    }
}
