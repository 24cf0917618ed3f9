import SwiftDumpCore
import Testing
import TestSupport

/// The row formatter's escaping tests 8 bytes at a time; it must agree, byte for byte, with the
/// rule applied one byte at a time (mysql_real_escape_string's, for utf8mb4).
@Suite("Escaping values")
struct EscapingTests {
    private static func reference(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for byte in bytes {
            switch byte {
            case 0x00: output += [0x5C, UInt8(ascii: "0")]
            case 0x0A: output += [0x5C, UInt8(ascii: "n")]
            case 0x0D: output += [0x5C, UInt8(ascii: "r")]
            case 0x1A: output += [0x5C, UInt8(ascii: "Z")]
            case 0x22, 0x27, 0x5C: output += [0x5C, byte]
            default: output.append(byte)
            }
        }
        return output
    }

    private static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        let buffer = ByteBuffer(capacity: 16)
        buffer.append(atMost: 2 * bytes.count) { writer in bytes.withUnsafeBytes { writer.putEscaped($0) } }
        return Array(buffer.bytes)
    }

    @Test("every byte value at every position of values up to 40 bytes")
    func everyByteEverywhere() {
        for length in 1...40 {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "7"), count: length)
                    bytes[position] = UInt8(value)
                    #expect(Self.escaped(bytes) == Self.reference(bytes), "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("random values, UTF-8 and binary, of random lengths")
    func randomValues() {
        var random = SeededRandom(state: 7)
        for _ in 0..<5000 {
            let length = Int.random(in: 0...300, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(Self.escaped(bytes) == Self.reference(bytes))
        }
        let text = Array("Grüße, 'quoted' \"x\" back\\slash\nnew line\r\u{1A}\u{0} — 日本語".utf8)
        #expect(Self.escaped(text) == Self.reference(text))
    }
}
