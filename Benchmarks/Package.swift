// swift-tools-version: 6.1
import PackageDescription

/// swiftdump's benchmarks (package-benchmark), kept in their own package so the main build and
/// `swift test` never compile the benchmark harness. Run with `swift package benchmark` here.
let package = Package(
    name: "swiftdump-benchmarks",
    dependencies: [
        .package(name: "swiftdump", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FormatterBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MariaDBClient", package: "swiftdump"),
                .product(name: "SwiftDumpCore", package: "swiftdump"),
            ],
            path: "Benchmarks/FormatterBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
