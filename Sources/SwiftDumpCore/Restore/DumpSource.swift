import Foundation
import MariaDBClient

/// Bytes read in order: a file, or a file being decompressed.
protocol ByteReader: AnyObject {
    /// Fills the start of `buffer`; returns the bytes written, 0 at the end of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A problem with the input itself (not the server): missing, unreadable, damaged, truncated,
/// not matching its manifest. Nothing has been applied when one of these is thrown before the
/// load starts.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One dump file as the restore reads it: its name for messages, how it is compressed, and a
/// fresh reader of its SQL each time one is asked for (the file is read once to check it and
/// once to load it).
///
/// Standard input is copied to a temporary file first (unlinked at once, so nothing is left
/// behind): a truncated stream must be refused before anything is applied, which needs its
/// end before its beginning is loaded. The copy holds the input as it came, compressed or not.
final class DumpSource: @unchecked Sendable {
    // @unchecked Sendable: the properties never change after init; each reader has its own
    // descriptor (or, for standard input's copy, its own offset via pread).
    let name: String
    let compression: InputCompression
    private let path: String?
    /// Standard input's copy: read with pread, so several readers do not share an offset.
    private let spool: Int32?
    let compressedSize: UInt64

    /// Opens `path`, or standard input for "-".
    init(path: String) throws {
        if path == "-" {
            name = "standard input"
            self.path = nil
            var template = Array((NSTemporaryDirectory() + "/swiftrestore-stdin-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else { throw InputError("cannot create a temporary file to hold standard input: \(String(cString: strerror(errno)))") }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var total: UInt64 = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 { close(descriptor); throw InputError("reading standard input: \(String(cString: strerror(errno)))") }
                if count == 0 { break }
                var written = 0
                while written < count {
                    let result = buffer.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, count - written) }
                    if result < 0 && errno == EINTR { continue }
                    if result < 0 { close(descriptor); throw InputError("copying standard input to a temporary file: \(String(cString: strerror(errno)))") }
                    written += result
                }
                total += UInt64(count)
            }
            spool = descriptor
            compressedSize = total
        } else {
            name = path
            self.path = path
            spool = nil
            var status = stat()
            guard stat(path, &status) == 0 else { throw InputError("cannot open \(path): \(String(cString: strerror(errno)))") }
            guard (status.st_mode & S_IFMT) != S_IFDIR else { throw InputError("\(path) is a directory without manifest.json") }
            compressedSize = UInt64(status.st_size)
        }
        var prefix = [UInt8](repeating: 0, count: 4)
        let reader = try FileReader(path: path == "-" ? nil : path, descriptor: spool, name: name)
        let count = try prefix.withUnsafeMutableBytes { try reader.read(into: $0) }
        guard count > 0 else { throw InputError("\(name) is empty: there is nothing to restore") }
        compression = prefix.withUnsafeBytes { InputCompression.detect(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    deinit {
        if let spool { close(spool) }
    }

    /// A reader of the SQL from the start: decompressed if the file is compressed.
    func makeReader() throws -> ByteReader {
        let file = try FileReader(path: path, descriptor: spool, name: name)
        guard compression != .none else { return file }
        return try DecompressingReader(source: file, compression: compression, name: name)
    }
}

/// A file read from its start in large blocks.
final class FileReader: ByteReader {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private var offset: off_t = 0

    /// Opens `path`, or reads `descriptor` (not closed here) when path is nil.
    init(path: String?, descriptor: Int32?, name: String) throws {
        self.name = name
        if let path {
            self.descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard self.descriptor >= 0 else { throw InputError("cannot open \(path): \(String(cString: strerror(errno)))") }
            ownsDescriptor = true
        } else {
            self.descriptor = descriptor ?? 0
            ownsDescriptor = false
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, offset)
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw InputError("reading \(name): \(String(cString: strerror(errno)))") }
            offset += off_t(count)
            return count
        }
    }
}

/// A compressed file's SQL: gzip members or zstd frames decoded as they are read.
final class DecompressingReader: ByteReader {
    private let file: any ByteReader
    private let decompressor: StreamDecompressor
    private let name: String
    private var input = [UInt8](repeating: 0, count: 1 << 20)
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
