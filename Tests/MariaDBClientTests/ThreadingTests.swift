import Foundation
import MariaDBClient
import Synchronization
import Testing
import TestSupport

@Suite("Connections on their own threads")
struct ThreadingTests {
    @Test("two connections stream at once on their own threads while other tasks keep running")
    func concurrentStreams() async throws {
        let options = try TestServer.socketOptions(database: "mysql")
        let first = try await DedicatedConnection.open(options, name: "stream-1")
        let second = try await DedicatedConnection.open(options, name: "stream-2")
        let events = EventLog()
        async let a = Self.slowStream(first, "a", events)
        async let b = Self.slowStream(second, "b", events)

        // Meanwhile, work on the cooperative pool (two threads here) must keep making progress.
        var ticks = 0
        for _ in 0..<10 {
            try await Task.sleep(for: .milliseconds(20))
            ticks += await Task.detached { 1 }.value
        }
        events.append("ticker done")

        let (resultA, resultB) = try await (a, b)
        #expect(resultA.rows == 6 && resultB.rows == 6)
        #expect(ticks == 10)
        #expect(resultA.thread != resultB.thread, "both connections ran on one thread")
        let log = events.entries
        let tickerDone = try #require(log.firstIndex(of: "ticker done"))
        // The ticker finished while both queries were still blocked in libmariadb.
        #expect(tickerDone < log.firstIndex(of: "a done")!, "\(log)")
        #expect(tickerDone < log.firstIndex(of: "b done")!, "\(log)")
        await first.close()
        await second.close()
    }

    /// Takes ~1.5 s on the server (SLEEP per row), blocking its connection's thread in reads.
    static func slowStream(_ connection: DedicatedConnection, _ label: String, _ events: EventLog) async throws -> (rows: Int, thread: pthread_t) {
        try await connection.run { connection in
            var rows = 0
            try connection.forEachRow("SELECT seq, SLEEP(0.25) FROM seq_1_to_6") { _ in
                rows += 1
                if rows == 1 { events.append("\(label) first row") }
            }
            events.append("\(label) done")
            return (rows, pthread_self())
        }
    }

    @Test("work on one dedicated connection runs in submission order on one thread")
    func ordering() async throws {
        let connection = try await DedicatedConnection.open(try TestServer.socketOptions())
        var threads = Set<pthread_t>()
        for i in 0..<5 {
            let (value, thread) = try await connection.run { connection in
                (try connection.query("SELECT \(i) * 2").rows[0].string(0), pthread_self())
            }
            #expect(value == String(i * 2))
            threads.insert(thread)
        }
        #expect(threads.count == 1)
        #expect(!threads.contains(pthread_self()))
        await connection.close()
        await #expect(throws: MariaDBError.self) { try await connection.run { try $0.query("SELECT 1") } }
    }
}

/// What happened, in the order it happened, from any thread.
final class EventLog: Sendable {
    private let log = Mutex<[String]>([])
    func append(_ event: String) { log.withLock { $0.append(event) } }
    var entries: [String] { log.withLock { $0 } }
}
