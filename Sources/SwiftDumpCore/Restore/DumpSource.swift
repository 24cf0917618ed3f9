import Foundation
import MariaDBClient

/// Bytes read in order: a file, or a file being decompressed.
protocol ByteReader: AnyObject {
    /// Fills the start of `buffer`; returns the bytes written, 0 at the end of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Where the bytes of one stored file of a dump come from, as it was stored (compressed or
/// not): a local file, standard input's copy. A fresh reader is made for each reading (a file
/// is read once to check it and once to load it, a failed one once more to find a line).
protocol ByteSource: Sendable {
    /// For messages: the path, or "standard input".
    var name: String { get }
    /// The bytes stored.
    var size: UInt64 { get }
    /// The store's version of the bytes (an object's ETag); nil where there is none.
    var version: String? { get }
    func makeReader() throws -> ByteReader
}

extension ByteSource {
    var version: String? { nil }
}

/// A file on a local file system.
struct LocalFile: ByteSource {
    let path: String
    let size: UInt64
    var name: String { path }

    /// Refers to `path`, which must be a readable file (not a directory).
    init(path: String) throws {
        guard let status = System.status(path) else {
            throw InputError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard status.kind != .directory else { throw InputError("\(path) is a directory without manifest.json") }
        self.path = path
        size = status.size
    }

    func makeReader() throws -> ByteReader {
        do {
            return FileReader(descriptor: try System.open(path, O_RDONLY), owned: true, name: path)
        } catch {
            throw InputError("cannot open \(path): \(String(cString: strerror(error.errorNumber)))")
        }
    }
}

/// Standard input, copied to a temporary file first (unlinked at once, so nothing is left
/// behind): a truncated stream must be refused before anything is applied, which needs its end
/// before its beginning is loaded. The copy holds the input as it came, compressed or not.
final class StandardInputCopy: ByteSource {
    let name = "standard input"
    let size: UInt64
    /// Read with pread, so several readers do not share an offset.
    private let descriptor: Int32

    init(directory: String = NSTemporaryDirectory()) throws {
        let copy: Int32
        do {
            copy = try System.anonymousFile(in: directory)
        } catch {
            throw InputError("cannot create a temporary file to hold standard input: \(error)")
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: UInt64 = 0
        do {
            while true {
                let count = try System.read(0, into: &buffer, path: "standard input")
                if count == 0 { break }
                try System.write(copy, all: buffer[..<count], path: "the copy of standard input")
                total += UInt64(count)
            }
        } catch {
            _ = try? System.close(copy)
            throw InputError("copying standard input: \(error)")
        }
        descriptor = copy
        size = total
    }

    deinit { _ = try? System.close(descriptor) }

    func makeReader() throws -> ByteReader { FileReader(descriptor: descriptor, owned: false, name: name) }
}

/// One dump file as the restore reads it: its bytes, how they are compressed (told by their
/// first bytes), and a fresh reader of its SQL each time one is asked for.
struct DumpSource: Sendable {
    let source: any ByteSource
    let compression: InputCompression

    var name: String { source.name }
    var compressedSize: UInt64 { source.size }

    init(_ source: any ByteSource) throws {
        self.source = source
        var prefix = [UInt8](repeating: 0, count: 4)
        let reader = try source.makeReader()
        let count = try prefix.withUnsafeMutableBytes { try reader.read(into: $0) }
        guard count > 0 else { throw InputError("\(source.name) is empty: there is nothing to restore") }
        compression = prefix.withUnsafeBytes { InputCompression.detect(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// A local file, or standard input for "-".
    init(path: String) throws {
        try self.init(path == "-" ? StandardInputCopy() : LocalFile(path: path))
    }

    /// A reader of the SQL from the start: decompressed if the file is compressed.
    func makeReader() throws -> ByteReader {
        let file = try source.makeReader()
        guard compression != .none else { return file }
        return try DecompressingReader(source: file, compression: compression, name: name)
    }
}

/// A file read from its start in large blocks, at its own offset.
final class FileReader: ByteReader {
    private let descriptor: Int32
    private let owned: Bool
    private let name: String
    private var offset: off_t = 0

    /// Reads `descriptor`, which it closes at the end if it `owned` it.
    init(descriptor: Int32, owned: Bool, name: String) {
        self.descriptor = descriptor
        self.owned = owned
        self.name = name
    }

    deinit {
        if owned { _ = try? System.close(descriptor) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            let count = try System.read(descriptor, into: buffer, at: offset, path: name)
            offset += off_t(count)
            return count
        } catch {
            throw InputError("reading \(name): \(String(cString: strerror(error.errorNumber)))")
        }
    }
}

/// A compressed file's SQL: gzip members or zstd frames decoded as they are read.
final class DecompressingReader: ByteReader {
    private let file: any ByteReader
    private let decompressor: StreamDecompressor
    private let name: String
    private var input = [UInt8](readBuffer: 1 << 20)
    private var inputStart = 0
    private var inputEnd = 0
    private var endOfFile = false
    private var lastFilledOutput = false

    init(source file: any ByteReader, compression: InputCompression, name: String) throws {
        self.file = file
        self.name = name
        do {
            decompressor = try StreamDecompressor(compression)
        } catch {
            throw InputError("\(name): \(error)")
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inputStart < inputEnd || lastFilledOutput {
                let result: (consumed: Int, produced: Int)
                do {
                    result = try input.withUnsafeBytes { bytes in
                        try decompressor.decompress(UnsafeRawBufferPointer(rebasing: bytes[inputStart..<inputEnd]), into: buffer)
                    }
                } catch {
                    throw InputError("\(name): \(error)")
                }
                inputStart += result.consumed
                lastFilledOutput = result.produced == buffer.count
                if result.produced > 0 { return result.produced }
                if result.consumed > 0 { continue }
            }
            if endOfFile {
                do {
                    try decompressor.finish()
                } catch {
                    throw InputError("\(name): \(error)")
                }
                return 0
            }
            // Keep what the decoder has not taken yet (a member header cut by the block end).
            let kept = inputEnd - inputStart
            if kept > 0 && inputStart > 0 {
                input.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: $0.baseAddress! + inputStart, byteCount: kept) }
            }
            if kept == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
            let count = try input.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[kept...])) }
            inputStart = 0
            inputEnd = kept + count
            if count == 0 { endOfFile = true }
        }
    }
}
