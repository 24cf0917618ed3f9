// stream-probe: reads a generated result of N rows from the test server and reports what
// arrived and the process's peak memory, so a test can check that streaming keeps memory flat.
//
//   stream-probe SOCKET USER ROWS stream|buffer
//   stream-probe SOCKET USER --query SQL
//   stream-probe SOCKET USER --queries N SQL...   (N connections on their own threads)
//
// `stream` hands rows to a handler one at a time (Connection.stream); `buffer` reads the whole
// result into memory (Connection.query), the control that shows the measurement can see growth.
// Prints key=value lines: rows, sum, nulls, bytes, peak_kb_first_row, peak_kb_end.
// `--query` streams any result and only counts rows and bytes: the floor scripts/bench
// measures (what the server and libmariadb cost before any formatting).
import Foundation
import MariaDBClient

/// The process's peak resident set size so far (VmHWM), in KiB.
func peakResidentKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}

struct Totals: RowHandler {
    var rows = 0
    var sum = 0
    var nulls = 0
    var bytes = 0
    var peakAtFirstRow = 0

    mutating func start(columns: [Column]) {}

    mutating func handle(_ row: borrowing Row) {
        if rows == 0 { peakAtFirstRow = peakResidentKilobytes() }
        rows += 1
        sum += row.withBytes(0) { digits in digits.reduce(0) { $0 * 10 + Int($1 - 48) } }
        if row.isNull(2) { nulls += 1 }
        for column in 0..<row.count { bytes += row.length(column) }
    }
}

let arguments = CommandLine.arguments
if arguments.count >= 5 && arguments[3] == "--query" || arguments.count >= 6 && arguments[3] == "--queries" {
    // --queries N SQL...: N connections, each on its own thread, share the queries.
    let parallel = arguments[3] == "--queries" ? max(1, Int(arguments[4]) ?? 1) : 1
    let queries = Array(arguments.dropFirst(arguments[3] == "--queries" ? 5 : 4))
    var options = ConnectionOptions()
    options.socket = arguments[1]
    options.user = arguments[2]
    options.transport = .socket
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var rows = 0
        var bytes = 0
        var failure: String?
    }
    let shared = Shared()
    let group = DispatchGroup()
    for _ in 0..<parallel {
        group.enter()
        let thread = Thread { [options] in
            defer { group.leave() }
            do {
                let connection = try Connection(options)
                while true {
                    shared.lock.lock()
                    let index = shared.next
                    shared.next += 1
                    shared.lock.unlock()
                    guard index < queries.count else { return }
                    var rows = 0
                    var bytes = 0
                    try connection.forEachRow(queries[index]) { row in
                        rows += 1
                        for column in 0..<row.count { bytes += row.length(column) }
                    }
                    shared.lock.lock()
                    shared.rows += rows
                    shared.bytes += bytes
                    shared.lock.unlock()
                }
            } catch {
                shared.lock.lock()
                shared.failure = "\(error)"
                shared.lock.unlock()
            }
        }
        thread.start()
    }
    group.wait()
    if let failure = shared.failure {
        FileHandle.standardError.write(Data("stream-probe: \(failure)\n".utf8))
        exit(1)
    }
    print("rows=\(shared.rows)")
    print("bytes=\(shared.bytes)")
    exit(0)
}
guard arguments.count == 5, let rowCount = Int(arguments[3]), ["stream", "buffer"].contains(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: stream-probe SOCKET USER ROWS stream|buffer\n".utf8))
    exit(2)
}
var options = ConnectionOptions()
options.socket = arguments[1]
options.user = arguments[2]
options.transport = .socket
options.database = "mysql"
let sql = "SELECT seq, REPEAT('x', 100), IF(seq % 3 = 0, NULL, seq * 7) FROM seq_1_to_\(rowCount)"

do {
    let connection = try Connection(options)
    var totals = Totals()
    if arguments[4] == "stream" {
        try connection.stream(sql, into: &totals)
    } else {
        let result = try connection.query(sql)
        totals.peakAtFirstRow = peakResidentKilobytes()
        for row in result.rows {
            totals.rows += 1
            totals.sum += Int(row.string(0)!)!
            if row[2] == nil { totals.nulls += 1 }
            totals.bytes += row.values.reduce(0) { $0 + ($1?.count ?? 0) }
        }
        withExtendedLifetime(result) {}
    }
    print("rows=\(totals.rows)")
    print("sum=\(totals.sum)")
    print("nulls=\(totals.nulls)")
    print("bytes=\(totals.bytes)")
    print("peak_kb_first_row=\(totals.peakAtFirstRow)")
    print("peak_kb_end=\(peakResidentKilobytes())")
} catch {
    FileHandle.standardError.write(Data("stream-probe: \(error)\n".utf8))
    exit(1)
}
