import Foundation
import Synchronization

/// The one progress line on standard error while a dump or a restore runs, rewritten in place
/// twice a second from what `render` says (given the seconds since the start); erased at the
/// end.
final class ProgressLine: Sendable {
    private let running = Mutex(true)
    private let finished = DispatchSemaphore(value: 0)
    /// Signalled by `stop`, so the end does not wait out the half-second pause.
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the line when `enabled` (a terminal, or --progress); nil otherwise.
    static func start(enabled: Bool, render: @escaping @Sendable (Double) -> String) -> ProgressLine? {
        guard enabled else { return nil }
        let line = ProgressLine()
        let thread = Thread { line.loop(render) }
        thread.name = "swiftdump-progress"
        thread.start()
        return line
    }

    /// A dump's line: tables done of all, rows, bytes of SQL, the rate, and an ETA from the
    /// server's size estimates.
    static func dump(_ progress: DumpProgress, seconds: Double) -> String {
        let now = progress.snapshot
        let rate = Double(now.bytes) / max(seconds, 0.001)
        return "swiftdump: tables \(now.tablesDone)/\(now.tablesTotal), \(now.rows) rows, \(now.bytes / 1_000_000) MB, \(Int(rate / 1_000_000)) MB/s"
            + eta(done: now.bytes, total: now.estimatedBytes, rate: rate)
    }

    /// ", ETA m:ss" when there is something left and a rate to divide by.
    static func eta(done: UInt64, total: UInt64, rate: Double) -> String {
        guard total > done && rate > 0 else { return "" }
        let remaining = Int(Double(total - done) / rate)
        return String(format: ", ETA %d:%02d", remaining / 60, remaining % 60)
    }

    /// Erases the line and waits for its thread; a second call does nothing.
    func stop() {
        let wasRunning = running.withLock { running in
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private func loop(_ render: (Double) -> String) {
        let start = Date()
        // Drawn at once, then every half second until `stop`.
        repeat {
            let line = render(Date().timeIntervalSince(start))
            FileHandle.standardError.write(("\r\u{1B}[K" + line).data(using: .utf8)!)
        } while wake.wait(timeout: .now() + 0.5) == .timedOut

        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
        finished.signal()
    }
}
