/// Byte-level escaping of values inside single quotes, as `mysql_real_escape_string` does it
/// for a connection in utf8mb4 (or any ASCII-compatible character set with backslash escapes):
/// NUL, LF, CR, backslash, both quotes and Ctrl-Z get a backslash; every other byte is copied.
/// Multi-byte UTF-8 sequences never contain those bytes, so no decoding is needed.
enum ValueEscaping {
    /// For each byte, the letter written after the backslash, or 0 when the byte is copied.
    static let escapeLetter: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        table[0x00] = UInt8(ascii: "0")
        table[0x0A] = UInt8(ascii: "n")
        table[0x0D] = UInt8(ascii: "r")
        table[0x1A] = UInt8(ascii: "Z")
        table[0x5C] = UInt8(ascii: "\\")
        table[0x27] = UInt8(ascii: "'")
        table[0x22] = UInt8(ascii: "\"")
        return table
    }()

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Appends `bytes` escaped (without the surrounding quotes). Copies runs of plain bytes in
    /// one go: most values have no byte to escape at all.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        escapeLetter.withUnsafeBufferPointer { table in
            var runStart = 0
            for index in 0..<bytes.count {
                let letter = table[Int(bytes[index])]
                if letter == 0 { continue }
                if index > runStart {
                    output.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: index - runStart))
                }
                output.append(UInt8(ascii: "\\"))
                output.append(letter)
                runStart = index + 1
            }
            if runStart < bytes.count {
                output.append(contentsOf: UnsafeRawBufferPointer(start: base + runStart, count: bytes.count - runStart))
            }
        }
    }

    /// Appends `bytes` as uppercase hexadecimal digits (without the `0x`).
    static func appendHex(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        hexDigits.withUnsafeBufferPointer { digits in
            for byte in bytes {
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 0x0F)])
            }
        }
    }
}
