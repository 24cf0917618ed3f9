import Foundation

/// An S3 server the tests talk to: a Ceph RADOS Gateway on loopback (`scripts/s3-sandbox`).
///
/// The shared one: `scripts/test` starts it and passes it in `SWIFTDUMP_TEST_S3_*`; when
/// `swift test` runs without them, the first test that asks starts one with the same script,
/// stopped when the process exits. A test that stops the gateway starts a private one
/// (``startPrivate()``), so the tests running beside it keep theirs. A test that needs a
/// store never skips. The oracle for what is in the store is boto3 (Debian's python3-boto3),
/// not our client.
public struct ObjectStore: Sendable {
    public let url: String
    public let accessKey: String
    public let secretKey: String
    /// The sandbox's directory (known when this process started it, or from
    /// `SWIFTDUMP_TEST_S3_DIR`): its gateway can be stopped.
    public let directory: String?

    public static func shared() throws -> ObjectStore { try sharedStore.get() }

    /// A store of the caller's own, for faults: stop it with ``stop()``.
    public static func startPrivate() throws -> ObjectStore {
        try start(Sandbox.start("s3-sandbox", name: "swiftdump-s3-private"))
    }

    /// Stops a private store's daemons and removes its directory.
    public func stop() {
        if let directory { _ = try? ProcessRunner.run(RepositoryPaths.script("s3-sandbox"), ["stop", directory]) }
    }

    /// The environment a swiftdump or swiftrestore run needs to reach the store: the
    /// credentials as AWS tools read them, and the endpoint.
    public func environment(secretKey: String? = nil) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secretKey ?? self.secretKey
        environment["AWS_ENDPOINT_URL"] = url
        environment["AWS_REGION"] = "us-east-1"
        for name in ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL_S3"] {
            environment[name] = nil
        }
        return environment
    }

    /// A new bucket with a unique name for one test.
    public func makeBucket(_ purpose: String) throws -> String {
        let name = "t-\(purpose.lowercased().filter { $0.isLetter || $0.isNumber })-\(UInt32.random(in: 0..<UInt32.max))"
        _ = try oracle("s3.create_bucket(Bucket=sys.argv[1])", [name])
        return name
    }

    /// The keys and sizes of every object in `bucket` (by boto3, paging through the listing).
    public func objects(_ bucket: String) throws -> [String: Int] {
        let text = try oracle("""
            for page in s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[1]):
                for item in page.get('Contents', []):
                    print(item['Size'], item['Key'])
            """, [bucket])
        var found: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, let size = Int(parts[0]) { found[String(parts[1])] = size }
        }
        return found
    }

    /// The keys of the multipart uploads in progress in `bucket`.
    public func uploadsInProgress(_ bucket: String) throws -> [String] {
        let text = try oracle("""
            for upload in s3.list_multipart_uploads(Bucket=sys.argv[1]).get('Uploads', []):
                print(upload['Key'])
            """, [bucket])
        return text.split(separator: "\n").map(String.init)
    }

    /// An object's bytes.
    public func download(_ bucket: String, _ key: String, to path: String) throws {
        _ = try oracle("s3.download_file(sys.argv[1], sys.argv[2], sys.argv[3])", [bucket, key, path])
    }

    /// Uploads a local file as an object (by boto3: another tool's upload).
    public func upload(_ path: String, to bucket: String, _ key: String) throws {
        _ = try oracle("s3.upload_file(sys.argv[3], sys.argv[1], sys.argv[2])", [bucket, key, path])
    }

    /// Replaces an object with other bytes: a backup damaged in the store. `keepingTags`: the
    /// tags the object had are set on the new bytes (rot, or a rewrite that kept them).
    public func overwrite(_ bucket: String, _ key: String, with bytes: [UInt8], keepingTags: Bool) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-s3-\(UInt32.random(in: 0..<UInt32.max))").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw TestServerError("could not write \(path)") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try oracle("""
            import urllib.parse
            tags = s3.get_object_tagging(Bucket=sys.argv[1], Key=sys.argv[2])['TagSet'] if sys.argv[4] == '1' else []
            s3.put_object(Bucket=sys.argv[1], Key=sys.argv[2], Body=open(sys.argv[3], 'rb').read(),
                          Tagging=urllib.parse.urlencode({t['Key']: t['Value'] for t in tags}))
            """, [bucket, key, path, keepingTags ? "1" : "0"])
    }

    /// Stops the gateway (the store keeps its objects) or starts it again.
    public func stopGateway() throws { try sandbox("stop-gateway") }
    public func startGateway() throws { try sandbox("start-gateway") }

    private func sandbox(_ command: String) throws {
        guard let directory else {
            throw TestServerError("the S3 sandbox's directory is unknown (SWIFTDUMP_TEST_S3_DIR)")
        }
        let result = try ProcessRunner.run(RepositoryPaths.script("s3-sandbox"), [command, directory])
        guard result.status == 0 else { throw TestServerError("s3-sandbox \(command): \(result.standardErrorText)") }
    }

    /// Runs `body` (Python, with `s3` a boto3 client of the store and `sys` imported) and
    /// returns what it printed.
    private func oracle(_ body: String, _ arguments: [String]) throws -> String {
        let script = """
            import sys, boto3, botocore.config
            s3 = boto3.client('s3', endpoint_url='\(url)', aws_access_key_id='\(accessKey)',
                              aws_secret_access_key='\(secretKey)', region_name='us-east-1',
                              config=botocore.config.Config(s3={'addressing_style': 'path'}))

            """ + body
        let result = try ProcessRunner.run("/usr/bin/python3", ["-c", script] + arguments)
        guard result.status == 0 else { throw TestServerError("boto3: \(result.standardErrorText)") }
        return result.standardOutputText
    }

    // MARK: Starting one

    private static let sharedStore: Result<ObjectStore, Error> = Result { try fromEnvironment() ?? start(Sandbox.start("s3-sandbox", name: "swiftdump-s3")) }

    private static func fromEnvironment() -> ObjectStore? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["SWIFTDUMP_TEST_S3_ENDPOINT"], let access = environment["SWIFTDUMP_TEST_S3_ACCESS_KEY"],
              let secret = environment["SWIFTDUMP_TEST_S3_SECRET_KEY"] else { return nil }
        return ObjectStore(url: url, accessKey: access, secretKey: secret, directory: environment["SWIFTDUMP_TEST_S3_DIR"])
    }

    private static func start(_ values: [String: String]) throws -> ObjectStore {
        guard let url = values["SWIFTDUMP_TEST_S3_ENDPOINT"], let access = values["SWIFTDUMP_TEST_S3_ACCESS_KEY"],
              let secret = values["SWIFTDUMP_TEST_S3_SECRET_KEY"] else {
            throw TestServerError("unexpected output from scripts/s3-sandbox: \(values)")
        }
        return ObjectStore(url: url, accessKey: access, secretKey: secret, directory: values["SANDBOX_DIR"])
    }
}
