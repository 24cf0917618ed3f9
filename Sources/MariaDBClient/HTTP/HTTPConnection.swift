import CCurl

/// One HTTP(S) connection to an object store: a libcurl easy handle, which keeps its TCP and
/// TLS connection open from one request to the next. Like a ``Connection`` it blocks its
/// caller and belongs to one thread at a time.
///
/// Requests are signed with AWS Signature Version 4 by libcurl itself (`CURLOPT_AWS_SIGV4`):
/// no signing code of ours. Bodies go up from memory and come down into a caller's closure;
/// every pointer libcurl hands over stays inside this file. TLS certificates are verified
/// (libcurl's default, never turned off here).
public final class HTTPConnection {
    private let handle: UnsafeMutableRawPointer

    public init() throws(HTTPError) {
        HTTPLibrary.ensureInitialized()
        guard let handle = curl_easy_init() else { throw HTTPError(code: -1, message: "curl_easy_init failed") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Initialises libcurl's process-wide state (and OpenSSL's under it). Call it before
    /// starting the threads that will make connections: `curl_global_init` must not race with
    /// other threads.
    public static func prepareLibrary() { HTTPLibrary.ensureInitialized() }

    /// Sends `request` with `body` (nil: none) and gives the response's body to `receive`,
    /// piece by piece; returns the status and headers once the whole response is in. A reply
    /// with an error status is a response, not an error: only a transfer that failed (no
    /// connection, a timeout, a reset) throws.
    public func perform(_ request: HTTPRequest, body: UnsafeRawBufferPointer? = nil,
                        receive: (UnsafeRawBufferPointer) -> Void = { _ in }) throws(HTTPError) -> HTTPResponse {
        try withoutActuallyEscaping(receive) { (receive) throws(HTTPError) -> HTTPResponse in
            try perform(request, body: body, exchange: Exchange(body: body, receive: receive))
        }
    }

    private func perform(_ request: HTTPRequest, body: UnsafeRawBufferPointer?, exchange: Exchange) throws(HTTPError) -> HTTPResponse {
        curl_easy_reset(handle)
        var exchange = exchange
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // S3 wants the payload's hash in a signed header; libcurl (7.88) neither adds it nor
        // can hash a body it reads through a callback, and uses the value given here in the
        // signature. The body's integrity is checked end to end by the caller instead.
        if request.signing != nil, !request.headers.contains(where: { $0.0.lowercased() == "x-amz-content-sha256" }) {
            headerList = curl_slist_append(headerList, "x-amz-content-sha256: UNSIGNED-PAYLOAD")
        }

        let result = withUnsafeMutablePointer(to: &exchange) { exchangePointer -> CURLcode in
            let context = UnsafeMutableRawPointer(exchangePointer)
            var setup = Setup(handle: handle)
            setup.string(CURLOPT_URL, request.url)
            setup.long(CURLOPT_NOSIGNAL, 1)
            // A key may hold `..` or `//`: the path goes out as given, as it was signed.
            setup.long(CURLOPT_PATH_AS_IS, 1)
            setup.long(CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeoutMilliseconds))
            // A transfer that moves less than one byte a second for this long has stalled.
            setup.long(CURLOPT_LOW_SPEED_LIMIT, 1)
            setup.long(CURLOPT_LOW_SPEED_TIME, Int(request.stallSeconds))
            setup.long(CURLOPT_TCP_NODELAY, 1)
            // The body follows the headers at once instead of after a `100 Continue` round
            // trip. (Removing the header with "Expect:" would not do: libcurl signs every
            // header the caller names, that empty one too, and the signature then fails.)
            setup.long(CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
            // Parts go to the socket in 1 MiB writes and ranges come in 512 KiB reads, instead
            // of libcurl's 64 KiB and 16 KiB: fewer system calls and callbacks per byte.
            setup.long(CURLOPT_UPLOAD_BUFFERSIZE, 1 << 20)
            setup.long(CURLOPT_BUFFERSIZE, 512 << 10)
            if let authority = request.certificateAuthority { setup.string(CURLOPT_CAINFO, authority) }
            if let signing = request.signing {
                setup.string(CURLOPT_AWS_SIGV4, "aws:amz:\(signing.region):\(signing.service)")
                setup.string(CURLOPT_USERNAME, signing.accessKey)
                setup.string(CURLOPT_PASSWORD, signing.secretKey)
            }
            setup.list(CURLOPT_HTTPHEADER, headerList)
            setup.pointer(CURLOPT_HEADERDATA, context)
            setup.callback(CURLOPT_HEADERFUNCTION, headerCallback)
            setup.pointer(CURLOPT_WRITEDATA, context)
            setup.callback(CURLOPT_WRITEFUNCTION, writeCallback)
            switch request.method {
            case .get:
                break
            case .head:
                setup.long(CURLOPT_NOBODY, 1)
            case .put:
                setup.long(CURLOPT_UPLOAD, 1)
                setup.offset(CURLOPT_INFILESIZE_LARGE, Int64(body?.count ?? 0))
                setup.pointer(CURLOPT_READDATA, context)
                setup.callback(CURLOPT_READFUNCTION, readCallback)
            case .post:
                setup.long(CURLOPT_POST, 1)
                setup.offset(CURLOPT_POSTFIELDSIZE_LARGE, Int64(body?.count ?? 0))
                setup.pointer(CURLOPT_READDATA, context)
                setup.callback(CURLOPT_READFUNCTION, readCallback)
            case .delete:
                setup.string(CURLOPT_CUSTOMREQUEST, "DELETE")
            }
            if setup.failure != CURLE_OK { return setup.failure }
            return curl_easy_perform(handle)
        }
        guard result == CURLE_OK else {
            throw HTTPError(code: Int32(result.rawValue), message: String(cString: curl_easy_strerror(result)))
        }
        var status = 0
        _ = swiftdump_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: exchange.headers)
    }

    /// Options set in a row; the first failure is kept (a later one is not tried for nothing).
    private struct Setup {
        let handle: UnsafeMutableRawPointer
        var failure = CURLE_OK

        mutating func long(_ option: CURLoption, _ value: Int) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_long(handle, option, value) }
        }
        mutating func offset(_ option: CURLoption, _ value: Int64) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_offset(handle, option, curl_off_t(value)) }
        }
        /// libcurl copies string options (since 7.17): the Swift string may go after the call.
        mutating func string(_ option: CURLoption, _ value: String) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_string(handle, option, value) }
        }
        mutating func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_pointer(handle, option, value) }
        }
        mutating func list(_ option: CURLoption, _ value: UnsafeMutablePointer<curl_slist>?) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_list(handle, option, value) }
        }
        mutating func callback(_ option: CURLoption, _ value: swiftdump_curl_data_callback) {
            if failure == CURLE_OK { failure = swiftdump_curl_set_callback(handle, option, value) }
        }
    }
}

@available(*, unavailable, message: "an HTTPConnection blocks its caller and belongs to one thread at a time")
extension HTTPConnection: Sendable {}

/// What the callbacks of one transfer share with ``HTTPConnection/perform(_:body:receive:)``,
/// for its duration only.
private struct Exchange {
    let body: UnsafeRawBufferPointer?
    var sent = 0
    let receive: (UnsafeRawBufferPointer) -> Void
    var headers: [(name: String, value: String)] = []

    init(body: UnsafeRawBufferPointer?, receive: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.body = body
        self.receive = receive
    }
}

private func exchange(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Exchange> {
    context!.assumingMemoryBound(to: Exchange.self)
}

/// The next piece of the request body.
private let readCallback: swiftdump_curl_data_callback = { buffer, size, count, context in
    let exchange = exchange(context)
    guard let body = exchange.pointee.body, let buffer else { return 0 }
    let length = min(size * count, body.count - exchange.pointee.sent)
    if length > 0 {
        UnsafeMutableRawPointer(buffer).copyMemory(from: body.baseAddress! + exchange.pointee.sent, byteCount: length)
        exchange.pointee.sent += length
    }
    return length
}

/// A piece of the response body.
private let writeCallback: swiftdump_curl_data_callback = { data, size, count, context in
    let length = size * count
    if let data { exchange(context).pointee.receive(UnsafeRawBufferPointer(start: data, count: length)) }
    return length
}

/// One header line; a status line starts the headers afresh (after `100 Continue`). Split and
/// trimmed as bytes: `"\r\n"` is one `Character`, so a `Character` test would keep it.
private let headerCallback: swiftdump_curl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data else { return length }
    let line = UnsafeRawBufferPointer(start: data, count: length)
    let exchange = exchange(context)
    if line.starts(with: "HTTP/".utf8) {
        exchange.pointee.headers = []
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        let value = String(decoding: trimmed(line[(colon + 1)...]), as: UTF8.self)
        exchange.pointee.headers.append((name, value))
    }
    return length
}

private func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
    func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    var start = bytes.startIndex, end = bytes.endIndex
    while start < end, blank(bytes[start]) { start += 1 }
    while end > start, blank(bytes[end - 1]) { end -= 1 }
    return bytes[start..<end]
}

/// libcurl's process-wide state, initialised once before any thread uses it (as
/// ``MariaDBLibrary``).
enum HTTPLibrary {
    private static let initialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    static func ensureInitialized() {
        precondition(initialization == CURLE_OK, "curl_global_init failed")
    }
}

public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", head = "HEAD", put = "PUT", post = "POST", delete = "DELETE"
    }

    public var method: Method
    /// The whole URL, its path and query already percent-encoded.
    public var url: String
    public var headers: [(String, String)] = []
    public var signing: AWSSigning?
    /// A CA bundle to verify the server's certificate with, instead of the system's.
    public var certificateAuthority: String?
    public var connectTimeoutMilliseconds = 10_000
    /// A transfer that stalls this long fails (and may be retried).
    public var stallSeconds = 30

    public init(method: Method, url: String, headers: [(String, String)] = [], signing: AWSSigning? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.signing = signing
    }
}

/// The credentials and scope a request is signed with. The secret never leaves this value
/// but into libcurl; its description shows the key id only.
public struct AWSSigning: Sendable, CustomStringConvertible {
    public let accessKey: String
    let secretKey: String
    public let region: String
    public let service: String

    public init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    public var description: String { "AWS SigV4 (key \(accessKey), region \(region))" }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Header names in lower case, in the order received.
    public let headers: [(name: String, value: String)]

    public func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name == name }?.value
    }
}

/// A transfer that did not complete: libcurl's error code and message.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public var description: String { message }

    /// A failure a later attempt may not meet: no connection, a timeout, a reset, a DNS
    /// hiccup. Not: a malformed URL, a TLS certificate that does not verify.
    public var isTransient: Bool {
        switch CURLcode(rawValue: UInt32(bitPattern: code)) {
        case CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
             CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_COULDNT_RESOLVE_HOST, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            true
        default:
            false
        }
    }
}
