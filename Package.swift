// swift-tools-version: 6.1
import PackageDescription

/// swiftdump: a logical backup engine for MariaDB and MySQL.
///
/// The layering, bottom to top:
/// - `CMariaDB`, `CZlib`, `CZstd`, `CCurl`: the Debian-packaged C libraries, as system-library modules.
/// - `MariaDBClient`: the only module that imports them; it fences every unsafe pointer.
/// - `CSystem`: the Linux calls Swift's Glibc module leaves out (sync_file_range), imported
///   only by the engine's one file of system calls.
/// - `SwiftDumpCore`: the engine (catalog, plan, snapshot, format, compress, sink, restore).
/// - `swiftdump`, `swiftrestore`: thin executables that parse, run the engine and set the exit code.
let package = Package(
    name: "swiftdump",
    products: [
        .executable(name: "swiftdump", targets: ["swiftdump"]),
        .executable(name: "swiftrestore", targets: ["swiftrestore"]),
        .library(name: "SwiftDumpCore", targets: ["SwiftDumpCore"]),
        .library(name: "MariaDBClient", targets: ["MariaDBClient"]),
    ],
    targets: [
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(name: "CSystem"),
        .target(
            name: "MariaDBClient",
            dependencies: ["CMariaDB", "CZlib", "CZstd", "CCurl"]
        ),
        .target(
            name: "SwiftDumpCore",
            dependencies: ["MariaDBClient", "CSystem"]
        ),
        .executableTarget(
            name: "swiftdump",
            dependencies: ["SwiftDumpCore"]
        ),
        .executableTarget(
            name: "swiftrestore",
            dependencies: ["SwiftDumpCore"]
        ),
        // Test support: the throwaway-server helper every server test shares.
        .target(
            name: "TestSupport",
            dependencies: ["MariaDBClient"],
            path: "Tests/TestSupport"
        ),
        // A separate process so a test can read its peak memory undisturbed by tests running
        // in parallel in the test process.
        .executableTarget(
            name: "stream-probe",
            dependencies: ["MariaDBClient"],
            path: "Tests/StreamProbe"
        ),
        .testTarget(
            name: "MariaDBClientTests",
            dependencies: ["MariaDBClient", "TestSupport", "stream-probe"]
        ),
        .testTarget(
            name: "SwiftDumpCoreTests",
            dependencies: ["MariaDBClient", "SwiftDumpCore", "TestSupport"]
        ),
        .testTarget(
            name: "DumpTests",
            dependencies: ["MariaDBClient", "TestSupport", "swiftdump"]
        ),
        .testTarget(
            name: "RestoreTests",
            dependencies: ["MariaDBClient", "TestSupport", "swiftdump", "swiftrestore"]
        ),
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["TestSupport", "swiftdump", "swiftrestore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
