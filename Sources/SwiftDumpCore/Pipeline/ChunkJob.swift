import Foundation
import Synchronization
import MariaDBClient

/// One piece of one table to read: a SELECT, how to format its rows, and where they go.
struct ChunkJob: Sendable {
    enum Destination: Sendable {
        /// A numbered chunk of the single stream, joined in order by ``StreamAssembly``.
        case stream(chunk: Int)
        /// A file of its own in a directory dump.
        case file(DirectoryLayout.ChunkFile)
    }

    /// The table the chunk is of, for messages.
    let table: TableID
    let query: SQLText
    let extended: Bool
    let hexBlob: Bool
    let destination: Destination
    /// The server's estimate, to start big pieces first and for progress.
    let estimatedBytes: UInt64
}
