import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What happens when the process is told to stop (SIGINT, SIGTERM, SIGHUP): the partial output
/// is removed (``PartialOutputs``), one line says what was interrupted, and the process exits
/// at once with 128 + the signal's number. Exiting closes every connection, so the server
/// ends their transactions and releases any lock they hold (a global read lock, the backup
/// lock) as soon as it reads the closed socket; nothing waits for a reader to finish its chunk.
///
/// Only the executables install this (``Command/main()``); a test that runs a command in its
/// own process keeps the test runner's signal handling.
enum ProcessSignals {
    private static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Installs the handlers; call before any thread starts. A file-size limit (`ulimit -f`)
    /// makes writes fail with EFBIG (a write error, exit 5) instead of killing the process.
    static func prepare() {
        System.ignore(SIGXFSZ)
        let queue = DispatchQueue(label: "swiftdump.signals")
        for number in handled {
            System.ignore(number)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { Interruption.interrupted(by: number) }
            source.resume()
            sources.append(source)
        }
    }
}

/// The command's account of what it is doing, for the line printed when it is interrupted.
enum Interruption {
    private static let state = Mutex<(program: String, activity: @Sendable () -> String)>(("swiftdump", { "" }))

    /// `activity` says what the command is doing at the moment it is asked ("while reading
    /// `db`.`t`; 3 of 12 tables written").
    static func describe(program: String, activity: @escaping @Sendable () -> String) {
        state.withLock { $0 = (program, activity) }
    }

    private static let underway = Atomic<Bool>(false)

    /// A command that fails while an interruption is being handled failed because of it (its
    /// outputs were abandoned under it): it leaves the one line and the exit code to
    /// ``interrupted(by:)``, which ends the process, instead of reporting a failure of its own.
    static func waitIfUnderway() {
        guard underway.load(ordering: .acquiring) else { return }
        while true { pause() }
    }

    static func interrupted(by signal: Int32) -> Never {
        underway.store(true, ordering: .releasing)
        let (program, activity) = state.withLock { $0 }
        let removed = PartialOutputs.shared.abandonAll()
        let name = switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
        var line = "\(program): interrupted by \(name)"
        let doing = activity()
        if !doing.isEmpty { line += " " + doing }
        if !removed.isEmpty { line += "; removed the partial output (\(removed.joined(separator: ", ")))" }
        var errors = StandardStream.error
        errors.write(line + "\n")
        System.exitNow(128 + signal)
    }
}
