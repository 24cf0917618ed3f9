import Foundation

/// A thread of its own for one connection's blocking libmariadb calls.
///
/// Swift's cooperative pool has one thread per core (two here); a libmariadb call waiting on
/// the network would stall half the program. Work submitted with ``run(_:)`` executes on this
/// thread, in submission order, while the awaiting task is suspended and its pool thread free.
public final class ConnectionThread: Sendable {
    /// The thread's inbox.
    private let queue = BlockingQueue<@Sendable () -> Void>()

    /// Starts the thread. `name` shows up in debuggers and `top -H`.
    public init(name: String) {
        MariaDBLibrary.ensureInitialized()
        let queue = self.queue
        let thread = Thread {
            MariaDBLibrary.attachCurrentThread()
            defer { MariaDBLibrary.detachCurrentThread() }
            while let job = queue.pop() { job() }
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Ends the thread once the work already submitted has run.
    deinit { queue.close() }

    /// Queues `work` to run on this thread, without waiting for it.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        queue.push(work)
    }

    /// Runs `work` on this thread and blocks the calling thread until it returns. For
    /// synchronous callers on threads of their own; never call it from this thread itself.
    public func runAndWait<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) throws -> Result {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<Result>()
        queue.push {
            box.result = Swift.Result { try work() }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// Runs `work` on this thread and returns its result to the awaiting task.
    public func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.push { continuation.resume(with: Swift.Result { try work() }) }
        }
    }
}

/// Carries a result from the connection's thread to the waiting thread.
/// `@unchecked Sendable`: written before the semaphore is signalled, read after it is waited on.
private final class ResultBox<Value>: @unchecked Sendable {
    var result: Result<Value, any Error>?
}
