import Foundation
import MariaDBClient

/// One object being written to the store, as an ``OutputTarget``: the `-r s3://...` file or a
/// file of a directory dump. Bytes fill a part; a full part is uploaded by one of the client's
/// connections while the next fills (a multipart upload, begun with the first full part). An
/// object smaller than a part goes up in one PUT at the end. Nothing appears under the name
/// before ``commit(durable:)`` completes the upload; ``abandon()`` aborts it, so no part is
/// left stored (and billed). Memory: the parts in flight are bounded by the client's budget.
final class S3ObjectTarget: OutputTarget {
    let name: String
    private let client: S3Client
    private let address: S3Address
    /// A directory dump's file: it stays partial output (removed if the dump fails) until the
    /// manifest is written.
    private let stillPartial: Bool
    /// Record the object's XXH64 in a tag (a stream: the restore checks it before loading).
    private let tagChecksum: Bool
    private let abortsStaleUploads: Bool
    /// A directory dump's: a file committed without `durable` is published in the background
    /// and waited for by ``DumpDestination/makeDurable(_:)``.
    private let publications: PendingPublications?
    private var part: [UInt8] = []
    private var upload: MultipartUpload?
    private var hasher = XXHash64()
    private var open = true
    private let uploadBox = Locked<MultipartUpload?>(nil)
    private let remote: RemoteOutput

    init(client: S3Client, address: S3Address, stillPartial: Bool, tagChecksum: Bool, abortsStaleUploads: Bool,
         publications: PendingPublications? = nil) throws {
        self.publications = publications
        name = address.description
        self.client = client
        self.address = address
        self.stillPartial = stillPartial
        self.tagChecksum = tagChecksum
        self.abortsStaleUploads = abortsStaleUploads
        let box = uploadBox
        remote = RemoteOutput(name: address.description) { [client, address] in
            // Interrupted: abort the upload in progress, or delete what was published.
            if let upload = box.value, !upload.isComplete {
                upload.abort()
                return true
            }
            return (try? client.delete(address)) != nil
        }
        guard PartialOutputs.shared.register(remote) else {
            throw OutputError(path: name, errorNumber: EINTR, action: "create", detail: "the dump was interrupted")
        }
    }

    deinit { if open { abandon() } }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if tagChecksum { hasher.update(bytes) }
        var offset = 0
        while offset < bytes.count {
            let partSize = client.configuration.partSize(number: (upload?.partsAdded ?? 0) + 1)
            // Past its first megabyte a part gets its whole size at once: growing it by doubling
            // would leave up to twice the part allocated.
            if part.count + bytes.count - offset > max(part.capacity, 1 << 20) { part.reserveCapacity(partSize) }
            let taken = min(partSize - part.count, bytes.count - offset)
            part.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + taken]))
            offset += taken
            if part.count == partSize { try sendPart() }
        }
    }

    /// Uploads the part filled, beginning the multipart upload with the first.
    private func sendPart() throws {
        if upload == nil {
            let started = try MultipartUpload.begin(client: client, address: address, abortingStale: abortsStaleUploads)
            upload = started
            uploadBox.withLock { $0 = started }
        }
        try upload!.add(part)
        part = []
    }

    func commit(durable: Bool) throws {
        precondition(open, "an output committed twice or after it was abandoned")
        // What the store has answered for is stored: `durable` needs nothing more.
        if let upload {
            if !part.isEmpty { try sendPart() }
            guard try PartialOutputs.shared.publishing({ try upload.complete() }) else { throw interrupted }
            // The completion's reply may lack the ETag (Ceph's does): the object's HEAD has it.
            if let publications, let etag = try client.head(address)?.header("etag") { publications.record(address, version: etag) }
        } else if !durable, let publications {
            try publishInBackground(publications)
        } else {
            let body = part
            guard try PartialOutputs.shared.publishing({
                _ = try client.send(S3Request(method: .put, address: address, action: "write"), body: body)
            }) else { throw interrupted }
        }
        part = []
        if tagChecksum {
            do {
                try client.setTags(address, [S3Object.checksumTag: XXHash64.hex(hasher.value)])
            } catch {
                _ = try? client.delete(address)
                throw error
            }
        }
        open = false
        if !stillPartial { PartialOutputs.shared.completedRemote(name) }
    }

    /// One PUT of the whole object on a connection of the pool; the writer goes on at once.
    private func publishInBackground(_ publications: PendingPublications) throws {
        guard PartialOutputs.shared.beginPublishing() else { throw interrupted }
        let body = part
        client.budget.acquire(body.count)
        publications.started()
        let address = self.address
        client.submit(S3Request(method: .put, address: address, action: "write"), body: body) { [client] result in
            client.budget.release(body.count)
            PartialOutputs.shared.endPublishing()
            if case .success(let reply) = result, let etag = reply.header("etag") { publications.record(address, version: etag) }
            publications.finished(result.map { _ in () })
        }
    }

    private var interrupted: OutputError {
        OutputError(path: name, errorNumber: EINTR, action: "write", detail: "the dump was interrupted")
    }

    func abandon() {
        guard open else { return }
        open = false
        upload?.abort()
        part = []
        PartialOutputs.shared.completedRemote(name)
    }
}

/// A multipart upload in progress: its parts are sent on the client's connections as they are
/// added, at most the client's budget of bytes at once; ``complete()`` waits for them all.
final class MultipartUpload: Sendable {
    let address: S3Address
    let uploadID: String
    private let client: S3Client

    private struct State {
        var tags: [Int: String] = [:]
        var pending = 0
        var added = 0
        var failure: (any Error)?
        var aborted = false
        var complete = false
    }

    private let state = Monitor(State())

    private init(client: S3Client, address: S3Address, uploadID: String) {
        self.client = client
        self.address = address
        self.uploadID = uploadID
    }

    /// Starts an upload of `address`. `abortingStale`: uploads of the same key left by a dump
    /// that could not abort them (the store was unreachable) are aborted first.
    static func begin(client: S3Client, address: S3Address, abortingStale: Bool) throws -> MultipartUpload {
        if abortingStale {
            for stale in try client.uploadsInProgress(address) where stale.key == address.key {
                try client.abortUpload(address, uploadID: stale.uploadID)
            }
        }
        let reply = try client.send(S3Request(method: .post, address: address, query: [("uploads", "")], action: "begin the upload of"))
        guard let id = XMLFields(reply.body).value("UploadId"), !id.isEmpty else {
            throw ObjectStoreError(address: address, action: "begin the upload of", status: reply.status, code: nil, detail: "the reply has no UploadId")
        }
        return MultipartUpload(client: client, address: address, uploadID: id)
    }

    var partsAdded: Int { state.withLock { $0.added } }
    var isComplete: Bool { state.withLock { $0.complete } }

    /// Queues `bytes` as the next part; waits while the client's budget is used up. Throws
    /// the first failure of a part sent before.
    func add(_ bytes: [UInt8]) throws {
        let number = try state.withLock { state -> Int in
            if let failure = state.failure { throw failure }
            state.added += 1
            state.pending += 1
            return state.added
        }
        client.budget.acquire(bytes.count)
        var request = S3Request(method: .put, address: address, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], action: "upload part \(number) of")
        let state = self.state
        request.isCancelled = { state.withLock { $0.aborted || $0.failure != nil } }
        let action = request.action
        client.submit(request, body: bytes) { [client] result in
            client.budget.release(bytes.count)
            state.withLock { state in
                state.pending -= 1
                switch result {
                case .success(let reply):
                    if let tag = reply.header("etag") { state.tags[number] = tag } else if state.failure == nil {
                        state.failure = ObjectStoreError(address: self.address, action: action, status: reply.status, code: nil, detail: "the reply has no ETag")
                    }
                case .failure(let error):
                    if state.failure == nil { state.failure = error }
                }
            }
        }
    }

    /// Waits for every part, then completes the upload: the object appears under its name.
    func complete() throws {
        let parts = try state.wait(until: { $0.pending == 0 }) { state -> [(Int, String)] in
            if let failure = state.failure { throw failure }
            return state.tags.sorted { $0.key < $1.key }
        }
        var xml = "<CompleteMultipartUpload>"
        for (number, tag) in parts { xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(XMLFields.escaped(tag))</ETag></Part>" }
        xml += "</CompleteMultipartUpload>"
        var request = S3Request(method: .post, address: address, query: [("uploadId", uploadID)], action: "complete the upload of")
        request.errorMayFollowSuccess = true
        _ = try client.send(request, body: Array(xml.utf8))
        state.withLock { $0.complete = true }
    }

    /// Aborts the upload: the parts stored are deleted. Parts still being sent stop at their
    /// next attempt. A failure to abort (the store unreachable) is reported: the next dump of
    /// the same name aborts it.
    func abort() {
        let wasAborted = state.withLock { state -> Bool in
            defer { state.aborted = true }
            return state.aborted || state.complete
        }
        guard !wasAborted else { return }
        do {
            try client.abortUpload(address, uploadID: uploadID)
        } catch {
            var errors = StandardStream.error
            errors.write("swiftdump: could not abort the upload of \(address) (\(error)); the next dump to the same name aborts it\n")
        }
    }
}

/// A directory dump in a bucket, under a prefix that holds no object yet. An object is stored
/// once the store has answered its upload, so ``makeDurable(_:)`` has nothing to wait for; the
/// manifest, uploaded last, is the commit marker, as on disk.
struct S3DirectoryDestination: DumpDestination {
    let client: S3Client
    let prefix: S3Address
    private let publications = PendingPublications()

    var name: String { prefix.description }

    init(client: S3Client, prefix: S3Address) throws {
        self.client = client
        self.prefix = prefix.asDirectory
        if let existing = try client.list(self.prefix, maximum: 1).first {
            throw DumpError.usage("\(self.prefix) is not empty (it holds \(existing.key)): a directory dump needs a new or empty prefix")
        }
        // Uploads under an empty prefix are a failed dump's that could not be aborted (never
        // those of a whole bucket: others may be writing there).
        for stale in self.prefix.key.isEmpty ? [] : try client.uploadsInProgress(self.prefix) {
            try client.abortUpload(S3Address(bucket: prefix.bucket, key: stale.key), uploadID: stale.uploadID)
        }
    }

    func create(_ relativePath: String) throws -> any OutputTarget {
        try S3ObjectTarget(client: client, address: prefix.appending(relativePath), stillPartial: true, tagChecksum: false,
                           abortsStaleUploads: false, publications: publications)
    }

    /// Waits for the files published in the background; throws the first failure. Returns
    /// the ETag of each file.
    func makeDurable(_ relativePaths: [String]) throws -> [String: String] {
        try publications.waitForAll()
        var versions: [String: String] = [:]
        for path in relativePaths {
            if let version = publications.version(of: prefix.appending(path)) { versions[path] = version }
        }
        return versions
    }

    func complete(_ relativePaths: [String]) {
        for path in relativePaths { PartialOutputs.shared.completedRemote(prefix.appending(path).description) }
    }

    func remove(_ relativePaths: [String]) {
        // An object still being published would appear after its deletion.
        _ = try? publications.waitForAll()
        for path in relativePaths {
            let address = prefix.appending(path)
            _ = try? client.delete(address)
            PartialOutputs.shared.completedRemote(address.description)
        }
    }
}

/// Objects being published on the pool's connections while the dump goes on, and the
/// versions (ETags) the store gave the objects published.
final class PendingPublications: Sendable {
    private let state = Monitor((pending: 0, failure: (any Error)?.none))
    private let versions = Locked<[S3Address: String]>([:])

    func started() { state.withLock { $0.pending += 1 } }

    func record(_ address: S3Address, version: String) { versions.withLock { $0[address] = version } }

    func version(of address: S3Address) -> String? { versions.withLock { $0[address] } }

    func finished(_ result: Result<Void, any Error>) {
        state.withLock { state in
            state.pending -= 1
            if case .failure(let error) = result, state.failure == nil { state.failure = error }
        }
    }

    func waitForAll() throws {
        try state.wait(until: { $0.pending == 0 }) { state in
            if let failure = state.failure { throw failure }
        }
    }
}

/// Bytes of parts queued or being sent, across every upload of a client: a writer waits
/// while they reach the limit, so memory stays bounded however fast the dump produces.
final class TransferBudget: Sendable {
    private let inUse = Monitor(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func acquire(_ bytes: Int) {
        inUse.wait(until: { $0 == 0 || $0 + bytes <= self.limit }) { $0 += bytes }
    }

    func release(_ bytes: Int) {
        inUse.withLock { $0 -= bytes }
    }
}

extension S3Configuration {
    /// The size of part `number` (from 1): `partSize`, doubled every 2,000 parts, so the
    /// 10,000 parts S3 allows hold 31 times 2,000 parts' worth (about 1 TB at 16 MiB).
    func partSize(number: Int) -> Int {
        min(partSize << ((number - 1) / 2_000), 5 << 30)
    }
}
