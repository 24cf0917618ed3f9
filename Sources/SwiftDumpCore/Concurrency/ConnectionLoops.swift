import Dispatch
import MariaDBClient
import Synchronization

/// One loop per connection, each on the connection's own thread, and the wait for all of
/// them: the shape of the dump's readers, the restore's loaders and its verification.
final class ConnectionLoops: Sendable {
    private let group = DispatchGroup()
    private let firstError = Locked<(any Error)?>(nil)

    /// Starts `body(index, connection)` on each connection's thread. A loop that throws ends;
    /// the others go on (they stop through whatever they share, a queue or a scheduler).
    init(_ connections: [DedicatedConnection], _ body: @escaping @Sendable (Int, Connection) throws -> Void) {
        for (index, worker) in connections.enumerated() {
            group.enter()
            worker.submit { [group, firstError] connection in
                defer { group.leave() }
                guard let connection else { return }
                do {
                    try body(index, connection)
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
    }

    /// Waits for every loop to end; throws the first error one ended with.
    func wait() throws {
        group.wait()
        if let failure = firstError.withLock({ $0 }) { throw failure }
    }
}
