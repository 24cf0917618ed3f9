/// Where a directory dump's files are read from: a local directory (and, for object storage,
/// a prefix of a bucket). The restore asks only for files by their relative names.
protocol DumpLocation: Sendable {
    /// For messages: the directory.
    var name: String { get }
    /// The file at `relativePath`, or nil when there is none.
    func file(_ relativePath: String) throws -> (any ByteSource)?
    /// Every file's relative path (for --force without a manifest).
    func allFiles() throws -> [String]
}

extension DumpLocation {
    /// A whole (small) file: the manifest.
    func contents(of relativePath: String) throws -> [UInt8]? {
        guard let source = try file(relativePath) else { return nil }
        let reader = try source.makeReader()
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }
}

/// A directory on a local file system.
struct LocalDirectory: DumpLocation {
    let root: String
    var name: String { root }

    func file(_ relativePath: String) throws -> (any ByteSource)? {
        let path = root + "/" + relativePath
        guard System.status(path)?.kind == .regular else { return nil }
        return try LocalFile(path: path)
    }

    func allFiles() throws -> [String] {
        var found: [String] = []
        func walk(_ relative: String) {
            for name in System.directoryEntries(relative.isEmpty ? root : root + "/" + relative) ?? [] {
                let path = relative.isEmpty ? name : relative + "/" + name
                if System.status(root + "/" + path)?.kind == .directory { walk(path) } else { found.append(path) }
            }
        }
        walk("")
        return found.sorted()
    }
}
