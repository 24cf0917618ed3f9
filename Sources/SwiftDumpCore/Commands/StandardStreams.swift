/// The process's standard output or error as a `TextOutputStream`, for the executables'
/// messages (the dump itself goes through a sink, not through this).
public struct StandardStream: TextOutputStream {
    private let descriptor: Int32

    public static var output: StandardStream { StandardStream(descriptor: 1) }
    public static var error: StandardStream { StandardStream(descriptor: 2) }

    /// Writes all of `string`; a closed descriptor loses it (nothing else can be told).
    public mutating func write(_ string: String) {
        var string = string
        let descriptor = self.descriptor
        string.withUTF8 { bytes in _ = try? System.write(descriptor, all: UnsafeRawBufferPointer(bytes)) }
    }
}
