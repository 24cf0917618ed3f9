/// An object or a prefix in a bucket, as written on the command line: `s3://bucket/path/name`.
struct S3Address: Sendable, Hashable, CustomStringConvertible {
    let bucket: String
    /// The object's key, or a directory dump's prefix (ending in `/`, or empty: the bucket).
    let key: String

    static let scheme = "s3://"

    static func isAddress(_ text: String) -> Bool { text.utf8.starts(with: scheme.utf8) }

    init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// `s3://bucket/key`; throws for a missing or malformed bucket name. Split as bytes: a
    /// `/` followed by a combining mark is one `Character`, yet it ends the bucket's name.
    init(parsing text: String) throws(DumpError) {
        guard Self.isAddress(text) else { throw .usage("\(text) is not an s3:// address") }
        let rest = Array(text.utf8.dropFirst(Self.scheme.utf8.count))
        let bucket = rest.prefix { $0 != UInt8(ascii: "/") }
        let valid = bucket.count >= 3 && bucket.count <= 63
            && bucket.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
        guard valid else {
            throw .usage("\(text): '\(String(decoding: bucket, as: UTF8.self))' is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)")
        }
        self.bucket = String(decoding: bucket, as: UTF8.self)
        key = String(decoding: rest.dropFirst(bucket.count + 1), as: UTF8.self)
    }

    /// Whether the key names a prefix (a directory dump): empty, or its last byte a `/`.
    var isDirectory: Bool { key.utf8.last.map { $0 == UInt8(ascii: "/") } ?? true }

    /// `key` with this address's key (a prefix) taken off its front, as bytes; nil if `key` is
    /// not under it.
    func relativePath(of key: String) -> String? {
        guard key.utf8.starts(with: self.key.utf8) else { return nil }
        return String(decoding: key.utf8.dropFirst(self.key.utf8.count), as: UTF8.self)
    }

    /// The same address as a directory: the key ends in `/` (or is the whole bucket).
    var asDirectory: S3Address {
        isDirectory ? self : S3Address(bucket: bucket, key: key + "/")
    }

    /// A file of a directory dump at `relativePath` under this prefix.
    func appending(_ relativePath: String) -> S3Address {
        S3Address(bucket: bucket, key: asDirectory.key + relativePath)
    }

    var description: String { Self.scheme + bucket + "/" + key }

    /// The key as a URL path: every byte but the unreserved ones and `/` percent-encoded, as
    /// SigV4's canonical request for S3 has it (encoded once).
    var encodedKey: String { Self.percentEncoded(key, keepingSlash: true) }

    /// A query in SigV4's canonical form: names and values encoded, sorted by name, every
    /// parameter with its `=`. libcurl (7.88) signs the query exactly as it is in the URL, so
    /// the URL carries this form and the signature matches the store's.
    static func canonicalQuery(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { (percentEncoded($0.name), percentEncoded($0.value)) }
            .sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of UTF-8 bytes; unreserved bytes kept (and `/` if asked).
    static func percentEncoded(_ text: String, keepingSlash: Bool = false) -> String {
        Hexadecimal.percentEncoded(text.utf8) { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || (keepingSlash && byte == 0x2F)
        }
    }
}
