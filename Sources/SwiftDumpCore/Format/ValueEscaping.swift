/// Values as SQL text outside the row formatter's hot path (chunk boundaries, file names); the
/// byte rules themselves live in one place, ``ByteWriter``.
enum ValueEscaping {
    /// `bytes` as uppercase hexadecimal digits, without `0x`.
    static func hex(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let buffer = ByteBuffer(capacity: 2 * bytes.count)
        buffer.append(atMost: 2 * bytes.count) { $0.putHex(bytes) }
        return Array(buffer.bytes)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.withUnsafeBytes { hex($0) }, as: UTF8.self)
    }
}
