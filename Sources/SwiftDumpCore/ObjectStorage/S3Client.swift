import Foundation
import MariaDBClient

/// A request to the store: the operation and its object (or bucket, with an empty key).
struct S3Request: Sendable {
    var method: HTTPRequest.Method
    var address: S3Address
    /// The query's parameters, not encoded (`uploads`, `partNumber` 3 and `uploadId` ...).
    var query: [(name: String, value: String)]
    var headers: [(String, String)] = []
    /// What the error message calls it: "upload part 3 of", "read".
    var action: String
    /// Checked before each attempt: a part of an upload that was aborted is not sent again.
    var isCancelled: (@Sendable () -> Bool)?
    /// The size of the reply's body, when known (a range), to hold it without regrowing.
    var expectedBytes = 0
    /// A 200 may carry an error in its body (CompleteMultipartUpload: the store sends the
    /// status first and keeps the connection alive while it assembles the parts).
    var errorMayFollowSuccess = false

    init(method: HTTPRequest.Method, address: S3Address, query: [(name: String, value: String)] = [], headers: [(String, String)] = [], action: String) {
        self.method = method
        self.address = address
        self.query = query
        self.headers = headers
        self.action = action
    }
}

/// A reply with a success status; the body is collected unless the request streamed it.
struct S3Reply: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
}

/// A request the store refused or that kept failing: what, on which object, and why (S3's
/// error code, the HTTP status or the transfer's error). Exit 2, as for a server's error.
struct ObjectStoreError: CommandError, Sendable {
    let address: S3Address
    let action: String
    let status: Int?
    let code: String?
    let detail: String

    var exitCode: ExitCode { .serverError }

    var description: String {
        var text = "\(address): \(action) failed: "
        if let status { text += "HTTP \(status)" + (code.map { " \($0)" } ?? "") } else { text += detail }
        if status != nil, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    var isNotFound: Bool { status == 404 }
}

/// The object store as the commands use it: every request signed (SigV4, by libcurl), sent on
/// one of `connections` connections each on a thread of its own (``TransferPool``), and
/// retried with exponential backoff while it fails in a way a later attempt may not — a
/// timeout, a reset, a 5xx, throttling — for up to `--s3-timeout` seconds.
final class S3Client: Sendable {
    let configuration: S3Configuration
    private let pool: TransferPool
    /// Bounds the parts queued or in flight: a part per connection. The writer fills the next
    /// part while they are sent, so memory is one part more than the connections.
    let budget: TransferBudget
    /// Messages for -v (a retry, the endpoint).
    private let notice: @Sendable (String) -> Void

    init(_ configuration: S3Configuration, notice: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.notice = notice
        pool = TransferPool(connections: configuration.connections)
        budget = TransferBudget(limit: configuration.connections * configuration.partSize)
    }

    deinit { pool.close() }

    /// Sends `request` on a connection of the pool and waits for the reply.
    func send(_ request: S3Request, body: [UInt8]? = nil) throws -> S3Reply {
        try pool.run { connection in try self.send(request, body: body, on: connection) }
    }

    /// Sends `request` on a connection of the pool without waiting; `done` runs on that
    /// connection's thread with the reply or the error.
    func submit(_ request: S3Request, body: [UInt8]? = nil, done: @escaping @Sendable (Result<S3Reply, any Error>) -> Void) {
        pool.submit { connection in
            done(Result { try self.send(request, body: body, on: connection) })
        }
    }

    /// The attempts: a reply in 2xx returns; one that may pass later is tried again after a
    /// pause that doubles (0.2 s to 5 s, with jitter) until the deadline; anything else throws.
    private func send(_ request: S3Request, body: [UInt8]?, on connection: HTTPConnection) throws -> S3Reply {
        var http = HTTPRequest(method: request.method, url: configuration.url(request.address, query: request.query),
                               headers: request.headers, signing: configuration.signing)
        if let token = configuration.sessionToken { http.headers.append(("x-amz-security-token", token)) }
        if request.method == .put || request.method == .post { http.headers.append(("Content-Type", "application/octet-stream")) }
        http.certificateAuthority = configuration.certificateAuthority
        let deadline = ContinuousClock.now + .seconds(configuration.timeoutSeconds)
        var pause = 0.2
        var attempt = 1
        while true {
            if request.isCancelled?() == true {
                throw ObjectStoreError(address: request.address, action: request.action, status: nil, code: nil, detail: "cancelled")
            }
            var received: [UInt8] = []
            received.reserveCapacity(request.expectedBytes)
            let failure: ObjectStoreError
            do {
                let response = try body.withUnsafeBytesIfAny { bytes in
                    try connection.perform(http, body: bytes) { received += $0 }
                }
                if (200..<300).contains(response.status) {
                    // CompleteMultipartUpload may fail after its 200 has been sent: the error is in the body.
                    if request.errorMayFollowSuccess, XMLFields(received).elements("Error").first != nil {
                        let error = XMLFields(received)
                        failure = ObjectStoreError(address: request.address, action: request.action, status: response.status,
                                                   code: error.value("Code"), detail: error.value("Message") ?? "")
                    } else {
                        return S3Reply(status: response.status, headers: response.headers, body: received)
                    }
                } else {
                    let error = XMLFields(received)
                    let code = error.value("Code")
                    failure = ObjectStoreError(address: request.address, action: request.action, status: response.status, code: code,
                                               detail: Self.explanation(status: response.status, code: code, message: error.value("Message")))
                }
            } catch let error as HTTPError {
                failure = ObjectStoreError(address: request.address, action: request.action, status: nil, code: nil, detail: error.message)
                guard error.isTransient else { throw failure }
            }
            guard Self.mayPassLater(failure), ContinuousClock.now + .milliseconds(Int(pause * 1000)) < deadline else { throw failure }
            notice("-- \(failure); trying again in \(String(format: "%.1f", pause)) s (attempt \(attempt + 1))")
            Thread.sleep(forTimeInterval: pause * Double.random(in: 0.75...1.25))
            pause = min(pause * 2, 5)
            attempt += 1
        }
    }

    /// Timeouts, resets, 5xx, 429 and S3's own "slow down" and "request timeout".
    private static func mayPassLater(_ failure: ObjectStoreError) -> Bool {
        guard let status = failure.status else { return true }
        return status >= 500 || status == 429 || failure.code == "SlowDown" || failure.code == "RequestTimeout"
    }

    /// What a refusal means, in words, where S3's code alone is terse (the gateway sends no
    /// message at all).
    private static func explanation(status: Int, code: String?, message: String?) -> String {
        if let message, !message.isEmpty { return message }
        switch code {
        case "SignatureDoesNotMatch": return "the secret key does not match the access key"
        case "InvalidAccessKeyId": return "the store does not know the access key"
        case "AccessDenied": return "the credentials may not do this"
        case "NoSuchBucket": return "there is no such bucket"
        case "NoSuchKey": return "there is no such object"
        case "NoSuchUpload": return "the upload was aborted or completed"
        case "RequestTimeTooSkewed": return "this machine's clock is too far from the store's"
        default: return status == 301 ? "the bucket is in another region (--s3-region)" : ""
        }
    }

    // MARK: Operations

    func head(_ address: S3Address) throws -> S3Reply? {
        do {
            return try send(S3Request(method: .head, address: address, action: "look up"))
        } catch let error as ObjectStoreError where error.isNotFound {
            return nil
        } catch let error as ObjectStoreError where error.code == nil && error.status.map({ (400..<500).contains($0) }) == true {
            // A HEAD's reply has no body to say why; the same request as a GET of one byte does.
            let probe = S3Request(method: .get, address: address, headers: [("Range", "bytes=0-0")], action: "look up")
            do { _ = try send(probe) } catch let detailed as ObjectStoreError where detailed.code != nil { throw detailed }
            throw error
        }
    }

    /// The keys under `prefix`, with their sizes and ETags, in the store's (byte) order.
    func list(_ prefix: S3Address, maximum: Int? = nil) throws -> [(key: String, size: UInt64, etag: String?)] {
        var found: [(String, UInt64, String?)] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix.key)]
            if let maximum { query.append(("max-keys", "\(maximum)")) }
            if let token = continuation { query.append(("continuation-token", token)) }
            let reply = try send(S3Request(method: .get, address: S3Address(bucket: prefix.bucket, key: ""), query: query, action: "list"))
            let xml = XMLFields(reply.body)
            for item in xml.elements("Contents") {
                guard let key = item.value("Key") else { continue }
                found.append((key, UInt64(item.value("Size") ?? "0") ?? 0, item.value("ETag")))
            }
            continuation = xml.value("IsTruncated") == "true" ? xml.value("NextContinuationToken") : nil
        } while continuation != nil && (maximum == nil || found.count < maximum!)
        return found
    }

    /// The multipart uploads in progress under `prefix`: key and upload id.
    func uploadsInProgress(_ prefix: S3Address) throws -> [(key: String, uploadID: String)] {
        var found: [(String, String)] = []
        var markers: (key: String, upload: String)?
        repeat {
            var query = [("uploads", ""), ("prefix", prefix.key)]
            if let markers {
                query += [("key-marker", markers.key), ("upload-id-marker", markers.upload)]
            }
            let reply = try send(S3Request(method: .get, address: S3Address(bucket: prefix.bucket, key: ""), query: query, action: "list the uploads of"))
            let xml = XMLFields(reply.body)
            for upload in xml.elements("Upload") {
                if let key = upload.value("Key"), let id = upload.value("UploadId") { found.append((key, id)) }
            }
            if xml.value("IsTruncated") == "true", let key = xml.value("NextKeyMarker"), let upload = xml.value("NextUploadIdMarker") {
                markers = (key, upload)
            } else {
                markers = nil
            }
        } while markers != nil
        return found
    }

    func delete(_ address: S3Address) throws {
        do {
            _ = try send(S3Request(method: .delete, address: address, action: "delete"))
        } catch let error as ObjectStoreError where error.isNotFound {}
    }

    func abortUpload(_ address: S3Address, uploadID: String) throws {
        do {
            _ = try send(S3Request(method: .delete, address: address, query: [("uploadId", uploadID)], action: "abort the upload of"))
        } catch let error as ObjectStoreError where error.isNotFound {}
    }

    /// The object's tags (swiftdump records a stream's checksum in one).
    func tags(_ address: S3Address) throws -> [String: String] {
        let reply = try send(S3Request(method: .get, address: address, query: [("tagging", "")], action: "read the tags of"))
        var tags: [String: String] = [:]
        for tag in XMLFields(reply.body).elements("Tag") {
            if let key = tag.value("Key") { tags[key] = tag.value("Value") ?? "" }
        }
        return tags
    }

    func setTags(_ address: S3Address, _ tags: [String: String]) throws {
        var xml = "<Tagging><TagSet>"
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            xml += "<Tag><Key>\(XMLFields.escaped(key))</Key><Value>\(XMLFields.escaped(value))</Value></Tag>"
        }
        xml += "</TagSet></Tagging>"
        let body = Array(xml.utf8)
        _ = try send(S3Request(method: .put, address: address, query: [("tagging", "")], headers: [("Content-MD5", MD5.base64(body))], action: "tag"), body: body)
    }
}

/// A pool of connections to the store, each owned by a thread of its own that runs the jobs
/// given to the pool, first come first served.
///
/// The process must not exit while one of these threads is inside libcurl or OpenSSL (their
/// exit-time cleanup would free what the thread uses): ``stopAll(timeout:)`` closes every
/// pool and waits for its threads, and both commands call it before they return.
final class TransferPool: Sendable {
    private let jobs = BlockingQueue<@Sendable (HTTPConnection) -> Void>()
    /// Threads still running their loop.
    private let running: Monitor<Int>
    private static let pools = Locked<[TransferPool]>([])

    init(connections: Int) {
        running = Monitor(connections)
        HTTPConnection.prepareLibrary()
        for index in 0..<connections {
            let jobs = self.jobs
            let running = self.running
            let thread = Thread {
                defer { running.withLock { $0 -= 1 } }
                // Only fails when out of memory.
                guard let connection = try? HTTPConnection() else { preconditionFailure("curl_easy_init failed") }
                while let job = jobs.pop() { job(connection) }
            }
            thread.name = "swiftdump-s3-\(index)"
            thread.start()
        }
        Self.pools.withLock { $0.append(self) }
    }

    /// Closes every pool of the process and waits (at most `timeout`) until their threads
    /// have finished the jobs queued and left libcurl.
    static func stopAll(timeout: Duration = .seconds(10)) {
        let all = pools.withLock { pools in
            defer { pools.removeAll() }
            return pools
        }
        for pool in all { pool.close() }
        for pool in all { pool.running.wait(until: { $0 == 0 }, timeout: timeout) { _ in } }
    }

    func submit(_ job: @escaping @Sendable (HTTPConnection) -> Void) { jobs.push(job) }

    /// Runs `body` on a connection's thread and waits for it. Never call from a job.
    func run<Result: Sendable>(_ body: @escaping @Sendable (HTTPConnection) throws -> Result) throws -> Result {
        let outcome = Locked<Swift.Result<Result, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        submit { connection in
            outcome.withLock { $0 = Swift.Result { try body(connection) } }
            done.signal()
        }
        done.wait()
        return try outcome.value!.get()
    }

    /// The threads end once the jobs queued are done.
    func close() { jobs.close() }
}

private extension Optional where Wrapped == [UInt8] {
    /// `body` with the bytes, or with nil when there are none.
    func withUnsafeBytesIfAny<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
        switch self {
        case .some(let bytes): try bytes.withUnsafeBytes { try body($0) }
        case .none: try body(nil)
        }
    }
}
