import Foundation
import MariaDBClient

/// The object-storage options both commands take (`--s3-endpoint`, ...): none of them secret.
/// Credentials come only from the environment and the AWS files (``S3Configuration``).
struct ObjectStoreSettings: Sendable, Equatable {
    var endpoint: String?
    var region: String?
    var profile: String?
    /// The size of each uploaded part (the last is smaller); later parts grow, so the 10,000
    /// parts S3 allows hold any dump.
    var partSize = 16 << 20
    /// Connections to the store: nil, as many as the command's threads (at least 2).
    var connections: Int?
    /// How long a request may keep failing (retried with backoff) before the command fails.
    var timeoutSeconds = 120

    static let group = "Object storage (s3:// outputs and inputs)"

    static let definitions: [OptionDefinition] = [
        OptionDefinition("s3-endpoint", argument: .required(valueName: "URL"), group: group, help: "The S3 endpoint, e.g. http://127.0.0.1:7480 for a self-hosted store (addressed path-style).", default: "AWS_ENDPOINT_URL, else AWS S3"),
        OptionDefinition("s3-region", argument: .required(valueName: "NAME"), group: group, help: "The region requests are signed for.", default: "AWS_REGION, the profile's, else us-east-1"),
        OptionDefinition("s3-profile", argument: .required(valueName: "NAME"), group: group, help: "The profile of ~/.aws/credentials and ~/.aws/config to use.", default: "AWS_PROFILE, else default"),
        OptionDefinition("s3-part-size", argument: .required(valueName: "BYTES"), group: group, help: "The size of each part of a multipart upload (K, M, G suffixes; at least 5M).", default: "16M"),
        OptionDefinition("s3-connections", argument: .required(valueName: "#"), group: group, help: "Connections to the store, each on its own thread: parts uploaded, ranges read in parallel.", default: "the threads, at least 2"),
        OptionDefinition("s3-timeout", argument: .required(valueName: "SECONDS"), group: group, help: "How long a request may keep failing (retried with backoff: timeouts, 5xx, throttling) before giving up.", default: "120"),
    ]

    /// Applies one parsed option; false if it is not an object-storage option.
    mutating func apply(_ option: ParsedOption) throws(DumpError) -> Bool {
        let text = option.text
        switch option.name {
        case "s3-endpoint": endpoint = text
        case "s3-region": region = text
        case "s3-profile": profile = text
        case "s3-part-size":
            partSize = try DumpOptions.number(text, option.name, maximum: 5 << 30)
            if partSize < 5 << 20 { throw .usage("--s3-part-size must be at least 5M (S3's smallest part)") }
        case "s3-connections": connections = max(1, try DumpOptions.number(text, option.name, maximum: 64))
        case "s3-timeout": timeoutSeconds = max(1, try DumpOptions.number(text, option.name, maximum: 86_400))
        default: return false
        }
        return true
    }
}

/// Where and as whom requests go, resolved the way the AWS tools resolve it:
/// - credentials: the profile named by `--s3-profile`; else `AWS_ACCESS_KEY_ID`,
///   `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); else the profile `AWS_PROFILE` names
///   (or `default`) in `~/.aws/credentials`, then `~/.aws/config` (`AWS_SHARED_CREDENTIALS_FILE`,
///   `AWS_CONFIG_FILE` move them);
/// - region: `--s3-region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, `us-east-1`;
/// - endpoint: `--s3-endpoint`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
///   `endpoint_url` (in its `s3` section or not), else AWS S3 for the region. A self-hosted
///   endpoint is addressed path-style (`endpoint/bucket/key`), AWS virtual-hosted;
/// - a CA bundle: `AWS_CA_BUNDLE`, the profile's `ca_bundle`, else the system's.
/// Secrets are read from those places only: never from the command line or an option file.
struct S3Configuration: Sendable {
    /// `scheme://host[:port]`, no trailing slash.
    let endpoint: String
    let pathStyle: Bool
    let region: String
    let signing: AWSSigning
    let sessionToken: String?
    let certificateAuthority: String?
    let partSize: Int
    let connections: Int
    let timeoutSeconds: Int

    static func resolve(_ settings: ObjectStoreSettings, threads: Int,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws(DumpError) -> S3Configuration {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let profileName = settings.profile ?? environment["AWS_PROFILE"] ?? "default"
        let credentialsFile = AWSProfileFile(path: environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials")
        let configFile = AWSProfileFile(path: environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config")
        let fromCredentials = credentialsFile.section(profileName)
        let fromConfig = configFile.section(profileName == "default" ? "default" : "profile " + profileName) ?? configFile.section(profileName)
        func profileValue(_ key: String) -> String? { fromCredentials?[key] ?? fromConfig?[key] }

        var accessKey: String?
        var secretKey: String?
        var sessionToken: String?
        if settings.profile == nil, let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] {
            (accessKey, secretKey, sessionToken) = (key, secret, environment["AWS_SESSION_TOKEN"])
        } else if let key = profileValue("aws_access_key_id"), let secret = profileValue("aws_secret_access_key") {
            (accessKey, secretKey, sessionToken) = (key, secret, profileValue("aws_session_token"))
        }
        guard let accessKey, let secretKey, !accessKey.isEmpty, !secretKey.isEmpty else {
            if settings.profile != nil, fromCredentials == nil, fromConfig == nil {
                throw .usage("the S3 profile '\(profileName)' is in neither \(credentialsFile.path) nor \(configFile.path)")
            }
            throw .usage("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give a profile of \(credentialsFile.path) (--s3-profile, AWS_PROFILE)")
        }

        let region = settings.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? profileValue("region") ?? "us-east-1"
        let custom = settings.endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
            ?? profileValue("s3.endpoint_url") ?? profileValue("endpoint_url")
        var endpoint = custom ?? "https://s3.\(region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://"), endpoint.split(separator: "/").count == 2 else {
            throw .usage("the S3 endpoint \(endpoint) is not a URL like https://host[:port]")
        }
        let addressing = profileValue("s3.addressing_style")
        return S3Configuration(
            endpoint: endpoint, pathStyle: addressing.map { $0 == "path" } ?? (custom != nil), region: region,
            signing: AWSSigning(accessKey: accessKey, secretKey: secretKey, region: region), sessionToken: sessionToken,
            certificateAuthority: environment["AWS_CA_BUNDLE"] ?? profileValue("ca_bundle"),
            partSize: settings.partSize, connections: settings.connections ?? max(2, threads), timeoutSeconds: settings.timeoutSeconds)
    }

    /// The URL of `address` and `query`. A bucket with a dot in its name is addressed
    /// path-style even on AWS: its virtual host would not match the certificate.
    func url(_ address: S3Address, query: [(name: String, value: String)] = []) -> String {
        var url: String
        if pathStyle || address.bucket.contains(".") {
            url = endpoint + "/" + address.bucket + "/" + address.encodedKey
        } else {
            let scheme = endpoint.hasPrefix("https://") ? "https://" : "http://"
            url = scheme + address.bucket + "." + endpoint.dropFirst(scheme.count) + "/" + address.encodedKey
        }
        if !query.isEmpty { url += "?" + S3Address.canonicalQuery(query) }
        return url
    }

    /// For -v: where requests go; never a secret.
    var summary: String {
        "\(endpoint) (region \(region), key \(signing.accessKey), \(pathStyle ? "path-style" : "virtual-hosted"), \(connections) connection(s), parts of \(partSize >> 20) MiB)"
    }
}

/// An AWS credentials or config file: INI sections of `key = value`, `#` and `;` comments, and
/// indented sub-keys under a key with no value (`s3 =` then `  endpoint_url = ...`, read as
/// `s3.endpoint_url`). A missing file has no sections.
struct AWSProfileFile {
    let path: String
    private var sections: [String: [String: String]] = [:]

    init(path: String) {
        self.path = path
        guard let bytes = try? System.contents(of: path) else { return }
        var current: String?
        var parent: String?
        for rawLine in String(decoding: bytes, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let indented = rawLine.first == " " || rawLine.first == "\t"
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                parent = nil
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if indented, let parent {
                sections[section]?[parent + "." + key] = value
            } else if value.isEmpty {
                parent = key
            } else {
                parent = nil
                sections[section]?[key] = value
            }
        }
    }

    func section(_ name: String) -> [String: String]? { sections[name] }
}
