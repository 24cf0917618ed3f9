@_spi(Benchmarks) import MariaDBClient
@_spi(Benchmarks) @testable import SwiftDumpCore

/// Everything written to it, in memory.
final class CollectedBytes: ByteSink {
    var bytes: [UInt8] = []
    func write(_ buffer: UnsafeRawBufferPointer) throws { bytes += buffer }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Rows of (id INT, name VARCHAR) formatted as a reader formats them, cut into batches of
/// about `batchSize` bytes (each row its own batch with a batch size of 1).
func rowBatches(_ names: [String], extended: Bool = true, batchSize: Int = 1 << 20, firstID: Int = 1) throws -> [RowBatch] {
    let rows = SyntheticRows(names.enumerated().map { index, name in [Array(String(firstID + index).utf8), Array(name.utf8)] })
    let columns = [Column(name: "id", type: .long, flags: [.numeric, .notNull]), Column(name: "name", type: .varString, characterSetNumber: 45)]
    var batches: [RowBatch] = []
    var formatter = RowFormatter(extended: extended, hexBlob: false, batchSize: batchSize) { batches.append($0) }
    try rows.stream(columns: columns, into: &formatter)
    try formatter.flush()
    return batches
}

/// The INSERTs the joiner writes for `batches`, in order.
func joined(_ batches: [RowBatch], start: String = "INSERT INTO `t` VALUES\n", extended: Bool = true, netBufferLength: Int) throws -> String {
    var joiner = InsertJoiner(statementStart: Array(start.utf8), extended: extended, netBufferLength: netBufferLength)
    let output = CollectedBytes()
    for batch in batches { try joiner.join(batch, to: output) }
    try joiner.finish(to: output)
    return output.text
}
