import Foundation

/// Runs a program to completion and captures what it printed, for tests of the executables
/// and for the helper scripts.
///
/// Built on posix_spawn, poll and waitpid rather than Foundation's `Process`, whose
/// `waitUntilExit` can miss the child's exit under the test runner and wait forever.
public enum ProcessRunner {
    /// Serialises making pipes and spawning; see ``run(_:_:input:environment:)``.
    private static let spawnLock = NSLock()

    public struct Outcome: Sendable {
        public let status: Int32
        public let standardOutput: [UInt8]
        public let standardError: [UInt8]
        public var standardOutputText: String { String(decoding: standardOutput, as: UTF8.self) }
        public var standardErrorText: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments`; `input` is written to its standard input.
    /// `environment` replaces the inherited one when given. `status` is the exit code, or
    /// 128 + the signal number if a signal ended the program. A program still running after
    /// `timeout` seconds is killed with its process group (a hang fails its test instead of
    /// holding the whole run until CI gives up): status 137 and a note on standard error.
    public static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil,
                           timeout: Double = 900) throws -> Outcome {
        try start(executable, arguments, input: input, environment: environment).wait(timeout: timeout)
    }

    /// A program started by ``start(_:_:input:environment:)``, still running: for tests that
    /// act on it meanwhile (read its /proc entry, signal it, kill its server).
    public final class Running: @unchecked Sendable {
        // @unchecked Sendable: `pid` never changes; the collected output is read after the
        // draining thread signals.
        public let pid: pid_t
        private let drained: DispatchSemaphore
        private let collected: CollectedOutput

        fileprivate init(pid: pid_t, drained: DispatchSemaphore, collected: CollectedOutput) {
            self.pid = pid
            self.drained = drained
            self.collected = collected
        }

        /// Sends `signal` to the program.
        public func signal(_ signal: Int32) { kill(pid, signal) }

        /// Waits for the program to end (killing it with its process group after `timeout`).
        public func wait(timeout: Double = 900) -> Outcome {
            var timedOut = false
            if drained.wait(timeout: .now() + timeout) == .timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
                drained.wait()
            }
            let output = collected.output
            let errors = collected.errors + (timedOut ? Array("\nProcessRunner: killed after \(Int(timeout)) s\n".utf8) : [])
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return Outcome(status: exitCode, standardOutput: output, standardError: errors)
        }
    }

    /// Starts `executable` with `arguments`; `input` is written to its standard input.
    public static func start(_ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) throws -> Running {
        // Close-on-exec pipes, made and marked under one lock with the spawn: tests spawn in
        // parallel, and a child (or a server it starts) that inherited another child's stdin
        // pipe would keep that child from ever seeing end of input.
        spawnLock.lock()
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            spawnLock.unlock()
            throw TestServerError("pipe() failed")
        }
        for descriptor in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0, 1, 2 gives the child copies without close-on-exec.
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // A process group of its own, so a timeout kills what a script started too.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        spawnLock.unlock()
        guard spawned == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw TestServerError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }

        // The pipes are drained on a thread of their own: the caller is usually a test on
        // Swift's two-thread cooperative pool, and while both pool threads wait for the server
        // (behind a lock this child holds), nobody else would read the child's output, so the
        // child, blocked writing it, would never release that lock.
        let descriptors = UncheckedDescriptors(stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0])
        let drained = DispatchSemaphore(value: 0)
        let collected = CollectedOutput()
        let thread = Thread {
            let (output, errors) = drain(descriptors, input: input)
            collected.output = output
            collected.errors = errors
            drained.signal()
        }
        thread.start()
        return Running(pid: pid, drained: drained, collected: collected)
    }

    /// Writes `input` to the child and reads its output until both pipes close.
    private static func drain(_ descriptors: UncheckedDescriptors, input: [UInt8]) -> (output: [UInt8], errors: [UInt8]) {
        var output: [UInt8] = [], errors: [UInt8] = []
        var inputOffset = 0
        var inputDescriptor: Int32 = descriptors.stdin
        if input.isEmpty { close(inputDescriptor); inputDescriptor = -1 }
        var open: [Int32] = [descriptors.stdout, descriptors.stderr]
        var buffer = [UInt8](repeating: 0, count: 65536)
        // A writer that stopped reading must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        while !open.isEmpty || inputDescriptor >= 0 {
            var watched = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if inputDescriptor >= 0 { watched.append(pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0)) }
            if poll(&watched, nfds_t(watched.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in watched where entry.revents != 0 {
                if entry.fd == inputDescriptor {
                    let written = input[inputOffset...].withUnsafeBytes { write(entry.fd, $0.baseAddress, min($0.count, 65536)) }
                    if written > 0 { inputOffset += written }
                    if written <= 0 || inputOffset == input.count { close(entry.fd); inputDescriptor = -1 }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == descriptors.stdout { output += buffer[0..<count] } else { errors += buffer[0..<count] }
                } else if count == 0 || errno != EINTR {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        return (output, errors)
    }
}

/// The child's pipe ends, handed to the thread that drains them.
private struct UncheckedDescriptors: Sendable {
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32
}

/// What the draining thread read; read by the caller after the semaphore.
fileprivate final class CollectedOutput: @unchecked Sendable {
    // @unchecked Sendable: written by the draining thread before it signals, read after.
    var output: [UInt8] = []
    var errors: [UInt8] = []
}
