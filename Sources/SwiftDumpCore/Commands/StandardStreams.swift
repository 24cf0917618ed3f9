#if canImport(Glibc)
import Glibc
#endif

/// The process's standard output or error as a `TextOutputStream`, for the executables'
/// messages (the dump itself goes through a sink, not through this).
public struct StandardStream: TextOutputStream {
    private let descriptor: Int32

    public static var output: StandardStream { StandardStream(descriptor: 1) }
    public static var error: StandardStream { StandardStream(descriptor: 2) }

    public mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
