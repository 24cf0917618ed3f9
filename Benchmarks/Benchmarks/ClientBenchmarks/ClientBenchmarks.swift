import Benchmark
import MariaDBClient

/// Benchmarks of the client binding. The row-streaming and formatter benchmarks, which need a
/// server and the formatter, arrive with the dump work; this one keeps the harness building.
let benchmarks: @Sendable () -> Void = {
    Benchmark("Library version lookup", configuration: .init(metrics: [.wallClock, .mallocCountTotal])) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MariaDBLibrary.clientVersion)
        }
    }
}
