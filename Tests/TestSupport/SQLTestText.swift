/// SQL text for the tests' own queries, quoted byte by byte like the product's (a backtick
/// followed by a combining mark is one `Character`: a `String` replacement would miss it).
public enum SQLTestText {
    /// `name` as a backtick-quoted identifier.
    public static func identifier(_ name: String) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "`")]
        for byte in name.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "`") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "`"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` as a single-quoted literal, backslashes and quotes escaped.
    public static func literal(_ text: String) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "'")]
        for byte in text.utf8 {
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "'"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` with every occurrence of `target`'s bytes replaced by `replacement`'s.
    public static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        let needle = Array(target.utf8)
        var bytes = Array(text.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if !needle.isEmpty && bytes[index...].starts(with: needle) {
                result += replacement.utf8
                index += needle.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        bytes = result
        return String(decoding: bytes, as: UTF8.self)
    }
}
