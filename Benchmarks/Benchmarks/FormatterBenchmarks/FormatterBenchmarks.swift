import Benchmark
#if canImport(Glibc)
import Glibc
#endif
@_spi(Benchmarks) import MariaDBClient
@_spi(Benchmarks) import SwiftDumpCore

/// The row formatter alone: rows already in memory (laid out as libmariadb delivers them)
/// turned into extended INSERTs written to /dev/null. One iteration formats `rowsPerBatch`
/// rows; SQL bytes per batch are printed once so MB/s can be read off the wall-clock time.
let rowsPerBatch = 10_000

/// sysbench's oltp table: id INT, k INT, c CHAR(120), pad CHAR(60).
let sysbenchColumns = [
    Column(name: "id", type: .long, flags: [.numeric, .notNull, .primaryKey]),
    Column(name: "k", type: .long, flags: [.numeric, .notNull]),
    Column(name: "c", type: .string, flags: [.notNull], characterSetNumber: 45),
    Column(name: "pad", type: .string, flags: [.notNull], characterSetNumber: 45),
]

func sysbenchRows() -> SyntheticRows {
    var generator = SystemRandomNumberGenerator()
    func digits(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 48...57, using: &generator) } }
    func groups(_ count: Int) -> [UInt8] { Array((0..<count).map { _ in digits(11) }.joined(separator: [UInt8(ascii: "-")])) }
    return SyntheticRows((0..<rowsPerBatch).map { id in
        [Array(String(id + 1).utf8), Array(String(Int.random(in: 0..<2_000_000)).utf8), groups(10), groups(5)]
    })
}

/// Text and binary heavy: a VARCHAR with quotes and newlines, TEXT, and a BLOB of any bytes.
let textColumns = [
    Column(name: "id", type: .long, flags: [.numeric, .notNull, .primaryKey]),
    Column(name: "title", type: .varString, characterSetNumber: 45),
    Column(name: "body", type: .blob, flags: [.blob], characterSetNumber: 45),
    Column(name: "data", type: .blob, flags: [.blob, .binary], characterSetNumber: 63),
]

func textRows() -> SyntheticRows {
    let title = Array("It's a \"quoted\" title\nwith a second line and a back\\slash".utf8)
    let body = Array(String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 20).utf8)
    return SyntheticRows((0..<rowsPerBatch).map { id in
        [Array(String(id + 1).utf8), title, body, (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ id) }]
    })
}

func formatBatch(_ rows: SyntheticRows, _ columns: [Column], _ output: OutputStream, hexBlob: Bool = false) throws {
    // The reader's half (formatting into batches) and the writer's (joining them into INSERTs),
    // on one thread, as a one-connection dump runs them.
    var joiner = InsertJoiner(statementStart: Array("INSERT INTO `t` VALUES\n".utf8), extended: true, netBufferLength: 1_046_528)
    try withoutActuallyEscaping({ (batch: RowBatch) throws -> Void in try joiner.join(batch, to: output) }) { deliver in
        var formatter = RowFormatter(extended: true, hexBlob: hexBlob, deliver: deliver)
        try rows.stream(columns: columns, into: &formatter)
        try formatter.flush()
    }
    try joiner.finish(to: output)
}

/// Bytes one batch produces, to turn time into MB/s.
func batchBytes(_ rows: SyntheticRows, _ columns: [Column], hexBlob: Bool = false) throws -> Int {
    let path = "/tmp/swiftdump-benchmark-\(getpid()).sql"
    let output = try OutputStream(path: path)
    try formatBatch(rows, columns, output, hexBlob: hexBlob)
    try output.commit()
    var status = stat()
    stat(path, &status)
    unlink(path)
    return Int(status.st_size)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(5), maxIterations: 500)

    let sysbench = sysbenchRows()
    let text = textRows()
    print("bytes per batch of \(rowsPerBatch) rows: sysbench \((try? batchBytes(sysbench, sysbenchColumns)) ?? -1), "
          + "text/blob \((try? batchBytes(text, textColumns)) ?? -1), text/blob --hex-blob \((try? batchBytes(text, textColumns, hexBlob: true)) ?? -1)")

    Benchmark("Format sysbench rows (10k rows)", configuration: configuration) { benchmark in
        let output = try OutputStream(path: "/dev/null")
        for _ in benchmark.scaledIterations { try formatBatch(sysbench, sysbenchColumns, output) }
        try output.commit()
    }
    Benchmark("Format text/blob rows (10k rows)", configuration: configuration) { benchmark in
        let output = try OutputStream(path: "/dev/null")
        for _ in benchmark.scaledIterations { try formatBatch(text, textColumns, output) }
        try output.commit()
    }
    Benchmark("Format text/blob rows --hex-blob (10k rows)", configuration: configuration) { benchmark in
        let output = try OutputStream(path: "/dev/null")
        for _ in benchmark.scaledIterations { try formatBatch(text, textColumns, output, hexBlob: true) }
        try output.commit()
    }
}
