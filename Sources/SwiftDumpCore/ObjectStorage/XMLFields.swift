/// The few fields of S3's XML replies the client reads (`UploadId`, `Key`, `Code`, a list's
/// `Contents`): elements found by name, their text unescaped. S3's replies are flat and
/// generated, without attributes on the elements read, CDATA or comments; anything else in a
/// reply is ignored, and a field that is not there is nil.
///
/// Read as bytes, never as `Character`s: a key may start with a combining mark, and `>` plus
/// that mark is one `Character`, which a `Character` search for `>` would not find.
struct XMLFields {
    private let bytes: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    /// The contents of every `<name>...</name>` (or `<name attributes>...`) at any depth, in order.
    func elements(_ name: String) -> [XMLFields] {
        var found: [XMLFields] = []
        var rest = bytes
        let close = Array("</\(name)>".utf8)
        while let contentStart = Self.afterOpeningTag(Array(name.utf8), in: rest) {
            guard let end = Self.find(close, in: rest[contentStart...]) else { break }
            found.append(XMLFields(rest[contentStart..<end]))
            rest = rest[(end + close.count)...]
        }
        return found
    }

    /// The unescaped text of the first `<name>` element.
    func value(_ name: String) -> String? {
        elements(name).first.map { Self.unescaped($0.bytes) }
    }

    /// The unescaped text of every `<name>` element.
    func values(_ name: String) -> [String] {
        elements(name).map { Self.unescaped($0.bytes) }
    }

    /// Where the content after `<name>` or `<name ...>` starts; not `<nameSuffix>`, and an
    /// empty `<name/>` is not matched.
    private static func afterOpeningTag(_ name: [UInt8], in text: ArraySlice<UInt8>) -> Int? {
        let open = [UInt8(ascii: "<")] + name
        var rest = text
        while let start = find(open, in: rest) {
            let after = start + open.count
            guard after < rest.endIndex else { return nil }
            if rest[after] == UInt8(ascii: ">") { return after + 1 }
            if rest[after] == UInt8(ascii: " "), let end = rest[after...].firstIndex(of: UInt8(ascii: ">")),
               rest[end - 1] != UInt8(ascii: "/") {
                return end + 1
            }
            rest = rest[after...]
        }
        return nil
    }

    /// The index where `needle` first occurs in `haystack`.
    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[candidate..<candidate + needle.count].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric references replaced.
    static func unescaped(_ text: ArraySlice<UInt8>) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            guard byte == UInt8(ascii: "&"), let semicolon = text[index...].firstIndex(of: UInt8(ascii: ";")) else {
                result.append(byte)
                index += 1
                continue
            }
            let entity = String(decoding: text[(index + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": result.append(UInt8(ascii: "<"))
            case "gt": result.append(UInt8(ascii: ">"))
            case "amp": result.append(UInt8(ascii: "&"))
            case "quot": result.append(UInt8(ascii: "\""))
            case "apos": result.append(UInt8(ascii: "'"))
            default:
                let number: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) {
                    result += Array(String(Character(scalar)).utf8)
                } else {
                    result += text[index...semicolon]
                }
            }
            index = semicolon + 1
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `text` escaped for an element's content, byte by byte.
    static func escaped(_ text: String) -> String {
        var result: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"): result += Array("&lt;".utf8)
            case UInt8(ascii: ">"): result += Array("&gt;".utf8)
            case UInt8(ascii: "&"): result += Array("&amp;".utf8)
            case UInt8(ascii: "\""): result += Array("&quot;".utf8)
            case UInt8(ascii: "'"): result += Array("&apos;".utf8)
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
