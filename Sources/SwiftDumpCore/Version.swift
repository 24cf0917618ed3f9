import MariaDBClient

/// The version both executables report.
public enum SwiftDumpVersion {
    public static let number = "0.1.0"

    /// `swiftdump 0.1.0 (libmariadb 3.3.20)`: the program and the C library it talks through.
    public static func line(program: String) -> String {
        "\(program) \(number) (libmariadb \(MariaDBLibrary.clientVersion))"
    }
}
