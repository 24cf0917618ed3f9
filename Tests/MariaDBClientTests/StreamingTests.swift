import MariaDBClient
import Testing
import TestSupport

@Suite("Streaming large results")
struct StreamingTests {
    /// Runs the stream-probe executable and returns its key=value report.
    func probe(rows: Int, mode: String) throws -> [String: Int] {
        let endpoint = try TestServer.endpoint()
        let outcome = try ProcessRunner.run(RepositoryPaths.product("stream-probe"), [endpoint.socket, endpoint.user, String(rows), mode])
        try #require(outcome.status == 0, "stream-probe failed: \(outcome.standardErrorText)")
        var report: [String: Int] = [:]
        for line in outcome.standardOutputText.split(separator: "\n") {
            let parts = line.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { report[String(parts[0])] = value }
        }
        return report
    }

    @Test("1,000,000 rows arrive, every one, while peak memory stays flat")
    func millionRowsFlatMemory() throws {
        let n = 1_000_000
        let report = try probe(rows: n, mode: "stream")
        #expect(report["rows"] == n)
        #expect(report["sum"] == n * (n + 1) / 2)
        #expect(report["nulls"] == n / 3)
        // seq digits + 100 'x' + the digits of seq*7 where not NULL: check against the server.
        let expectedBytes = try TestServer.connect(database: "mysql").query("""
            SELECT SUM(LENGTH(seq) + 100 + IF(seq % 3 = 0, 0, LENGTH(seq * 7))) FROM seq_1_to_\(n)
            """).rows[0].string(0)
        #expect(report["bytes"].map(String.init) == expectedBytes)
        let growth = try #require(report["peak_kb_end"]) - (try #require(report["peak_kb_first_row"]))
        // ~120 MB passed through; buffering even a tenth of it would show.
        #expect(growth < 4 * 1024, "peak RSS grew by \(growth) KiB while streaming")
    }

    @Test("the control: reading the whole result into memory does show up in peak memory")
    func bufferedControl() throws {
        let n = 200_000
        let report = try probe(rows: n, mode: "buffer")
        #expect(report["rows"] == n)
        // The probe's measurement is sensitive: holding 200k rows costs tens of MB.
        let peak = try #require(report["peak_kb_end"])
        let streamed = try probe(rows: n, mode: "stream")
        let streamedPeak = try #require(streamed["peak_kb_end"])
        #expect(peak - streamedPeak > 20 * 1024, "buffered peak \(peak) KiB vs streamed \(streamedPeak) KiB")
    }
}
