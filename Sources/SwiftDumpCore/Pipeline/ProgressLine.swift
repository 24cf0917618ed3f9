import Foundation

/// The one progress line on standard error while a dump runs: tables done of all, rows, bytes
/// of SQL, the rate, and an ETA from the server's size estimates. Rewritten in place twice a
/// second; erased at the end.
final class ProgressLine: @unchecked Sendable {
    // @unchecked Sendable: `running` is read and written holding `lock`.
    private let lock = NSLock()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the line when `enabled` (a terminal, or --progress); nil otherwise.
    static func start(_ progress: DumpProgress, enabled: Bool) -> ProgressLine? {
        guard enabled else { return nil }
        let line = ProgressLine()
        let thread = Thread { line.loop(progress) }
        thread.name = "swiftdump-progress"
        thread.start()
        return line
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func loop(_ progress: DumpProgress) {
        let start = Date()
        while isRunning {
            Thread.sleep(forTimeInterval: 0.5)
            let now = progress.snapshot
            let seconds = max(Date().timeIntervalSince(start), 0.001)
            let rate = Double(now.bytes) / seconds
            var line = "swiftdump: tables \(now.tablesDone)/\(now.tablesTotal), \(now.rows) rows, \(now.bytes / 1_000_000) MB, \(Int(rate / 1_000_000)) MB/s"
            if now.estimatedBytes > now.bytes && rate > 0 {
                let remaining = Int(Double(now.estimatedBytes - now.bytes) / rate)
                line += String(format: ", ETA %d:%02d", remaining / 60, remaining % 60)
            }
            FileHandle.standardError.write(("\r\u{1B}[K" + line).data(using: .utf8)!)
        }
        FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
        finished.signal()
    }
}
