import MariaDBClient

/// The version both executables report.
public enum SwiftDumpVersion {
    public static let number = "0.1.0"

    /// `swiftdump 0.1.0 (libmariadb 3.3.20, zlib 1.2.13, zstd 1.5.4)`: the program and the C
    /// libraries it runs with, which is what a bug report needs.
    public static func line(program: String) -> String {
        "\(program) \(number) (libmariadb \(MariaDBLibrary.clientVersion), zlib \(CompressionLibraries.zlibVersion), zstd \(CompressionLibraries.zstdVersion))"
    }
}
