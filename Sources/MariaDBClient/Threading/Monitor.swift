import Foundation
import Synchronization

/// State shared between threads that wait for each other: a value behind one lock and one
/// condition variable. The one place besides `Synchronization.Mutex` (for state nobody waits
/// on) where threads meet; every blocking queue and scheduler shell is built on it.
///
/// `@unchecked Sendable`: `state` is only touched inside `withLock`/`wait(until:_:)`, holding
/// `condition`; the compiler cannot see a lock guarding a stored property.
public final class Monitor<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) {
        self.state = state
    }

    /// Runs `body` holding the lock; the threads waiting are woken after it returns.
    public func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds, then runs `body` holding the lock (and wakes the others).
    public func wait<Result>(until ready: (State) -> Bool, _ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(state) { condition.wait() }
        return try body(&state)
    }

    /// Waits until `ready` holds or `timeout` has passed, then runs `body` holding the lock.
    public func wait<Result>(until ready: (State) -> Bool, timeout: Duration, _ body: (inout State) throws -> Result) rethrows -> Result {
        let components = timeout.components
        let deadline = Date(timeIntervalSinceNow: Double(components.seconds) + Double(components.attoseconds) / 1e18)
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(state) && condition.wait(until: deadline) {}
        return try body(&state)
    }

    /// Waits until `body` returns a value (it runs again each time the state changes).
    public func wait<Result>(for body: (inout State) throws -> Result?) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while true {
            if let result = try body(&state) { return result }
            condition.wait()
        }
    }
}

/// A queue that consumers wait on: a thread's jobs, a dump's chunks, the tables to verify.
/// First in, first out, or, given `first`, the element that goes first of those waiting (ties
/// in the order pushed). `pop` waits for an element; once ``close()`` is called and the queue
/// is empty it returns nil.
public final class BlockingQueue<Element: Sendable>: Sendable {
    private struct State {
        /// A binary heap of the elements waiting, each with its arrival number (which alone
        /// orders a first-in first-out queue). A taken element leaves the array at once: it
        /// may hold a large buffer (a part of an upload).
        var heap: [(element: Element, arrival: Int)] = []
        var arrivals = 0
        var closed = false
    }

    private let monitor = Monitor(State())
    private let first: (@Sendable (Element, Element) -> Bool)?

    /// `first(a, b)`: `a` is taken before `b`; nil: in the order pushed.
    public init(_ elements: [Element] = [], first: (@Sendable (Element, Element) -> Bool)? = nil) {
        self.first = first
        for element in elements { push(element) }
    }

    public func push(_ element: Element) {
        monitor.withLock { state in
            precondition(!state.closed, "an element pushed to a closed queue")
            state.heap.append((element, state.arrivals))
            state.arrivals += 1
            var child = state.heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard goesFirst(state.heap[child], state.heap[parent]) else { break }
                state.heap.swapAt(child, parent)
                child = parent
            }
        }
    }

    /// The next element, waiting for one; nil once closed and empty.
    public func pop() -> Element? {
        monitor.wait(until: { !$0.heap.isEmpty || $0.closed }) { state in
            guard !state.heap.isEmpty else { return nil }
            state.heap.swapAt(0, state.heap.count - 1)
            let taken = state.heap.removeLast()
            var parent = 0
            while true {
                var best = parent
                for child in (2 * parent + 1)...(2 * parent + 2) where child < state.heap.count && goesFirst(state.heap[child], state.heap[best]) {
                    best = child
                }
                guard best != parent else { break }
                state.heap.swapAt(parent, best)
                parent = best
            }
            return taken.element
        }
    }

    private func goesFirst(_ a: (element: Element, arrival: Int), _ b: (element: Element, arrival: Int)) -> Bool {
        if let first {
            if first(a.element, b.element) { return true }
            if first(b.element, a.element) { return false }
        }
        return a.arrival < b.arrival
    }

    /// No more elements will come; consumers end once the queue is empty.
    public func close() {
        monitor.withLock { $0.closed = true }
    }

    /// Drops the elements not yet taken.
    public func discardRemaining() {
        monitor.withLock { $0.heap.removeAll() }
    }
}

/// State behind a lock that nobody waits on, shared by reference: what closures running on
/// several threads capture (a `Mutex` cannot be captured; it is not copyable).
public final class Locked<State: Sendable>: Sendable {
    private let mutex: Mutex<State>

    public init(_ state: State) {
        mutex = Mutex(state)
    }

    public func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }

    /// A copy of the state.
    public var value: State { mutex.withLock { $0 } }
}
