import Foundation
@testable import SwiftDumpCore
import Testing

@Suite("Object storage without a server: addresses, configuration, replies")
struct ObjectStoreConfigurationTests {
    @Test("s3:// addresses: bucket and key, directories, and keys percent-encoded byte by byte")
    func addresses() throws {
        let address = try S3Address(parsing: "s3://backups.example/db/2026 12/dump ä+.sql.zst")
        #expect(address.bucket == "backups.example")
        #expect(address.key == "db/2026 12/dump ä+.sql.zst")
        #expect(address.encodedKey == "db/2026%2012/dump%20%C3%A4%2B.sql.zst")
        #expect(try S3Address(parsing: "s3://bucket").key == "")
        #expect(try S3Address(parsing: "s3://bucket/dir").asDirectory.key == "dir/")
        #expect(try S3Address(parsing: "s3://bucket/dir/").appending("db/t.00001.sql").key == "dir/db/t.00001.sql")
        // A `/` and the combining mark after it are one Character, but the `/` ends the bucket.
        let marked = try S3Address(parsing: "s3://bucket/\u{301}a/")
        #expect(marked.bucket == "bucket" && marked.key == "\u{301}a/" && marked.isDirectory)
        #expect(try S3Address(parsing: "s3://bucket/a/\u{301}").isDirectory == false, "the key's last byte is not a /")
        #expect(marked.relativePath(of: "\u{301}a/\u{301}b") == "\u{301}b")
        #expect(marked.relativePath(of: "a/b") == nil)
        for bad in ["s3://", "s3://UPPER/x", "s3://ab/x", "s3://under_score/x"] {
            #expect(throws: DumpError.self, "\(bad)") { try S3Address(parsing: bad) }
        }
    }

    @Test("queries in SigV4's canonical form: sorted by encoded name, every value encoded, every = present")
    func canonicalQueries() {
        #expect(S3Address.canonicalQuery([("uploads", "")]) == "uploads=")
        #expect(S3Address.canonicalQuery([("prefix", "a b/ä"), ("list-type", "2"), ("continuation-token", "x+y=")])
                == "continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2F%C3%A4")
        #expect(S3Address.canonicalQuery([("uploadId", "2~x.y_z-"), ("partNumber", "10")]) == "partNumber=10&uploadId=2~x.y_z-",
                "upper case sorts before lower case, as bytes")
    }

    private func environment(_ values: [String: String] = [:], home: String = "/nonexistent") -> [String: String] {
        values.merging(["HOME": home]) { first, _ in first }
    }

    @Test("credentials, region and endpoint resolved as the AWS tools resolve them")
    func resolution() throws {
        let settings = ObjectStoreSettings()
        let fromEnvironment = try S3Configuration.resolve(settings, threads: 4, environment: environment([
            "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": "TOKEN", "AWS_REGION": "eu-north-1",
        ]))
        #expect(fromEnvironment.signing.accessKey == "AK" && fromEnvironment.sessionToken == "TOKEN")
        #expect(fromEnvironment.endpoint == "https://s3.eu-north-1.amazonaws.com" && !fromEnvironment.pathStyle)
        #expect(fromEnvironment.connections == 4)
        #expect(fromEnvironment.url(try S3Address(parsing: "s3://bk1/k y"), query: [("tagging", "")]) == "https://bk1.s3.eu-north-1.amazonaws.com/k%20y?tagging=")
        #expect(fromEnvironment.url(try S3Address(parsing: "s3://b.k1/k")) == "https://s3.eu-north-1.amazonaws.com/b.k1/k", "a dotted bucket goes path-style")

        // A profile from the files; --s3-profile wins over the environment's keys.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try """
            # comment
            [default]
            aws_access_key_id = DEFAULTKEY
            aws_secret_access_key = DEFAULTSECRET

            [backup]
            aws_access_key_id=BACKUPKEY
            aws_secret_access_key = BACKUP SECRET WITH SPACES
            """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try """
            [profile backup]
            region = ap-south-2
            s3 =
              endpoint_url = http://127.0.0.1:9000/
              addressing_style = path
            ca_bundle = /etc/ssl/store.pem
            """.write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        var chosen = settings
        chosen.profile = "backup"
        let profile = try S3Configuration.resolve(chosen, threads: 1, environment: environment(["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"], home: home))
        #expect(profile.signing.accessKey == "BACKUPKEY")
        #expect(profile.region == "ap-south-2" && profile.endpoint == "http://127.0.0.1:9000" && profile.pathStyle)
        #expect(profile.certificateAuthority == "/etc/ssl/store.pem" && profile.connections == 2)
        #expect(profile.url(try S3Address(parsing: "s3://bucket/a/b")) == "http://127.0.0.1:9000/bucket/a/b")
        // Without a chosen profile: the environment's keys, then AWS_PROFILE, then default.
        #expect(try S3Configuration.resolve(settings, threads: 1, environment: environment(["AWS_PROFILE": "backup"], home: home)).signing.accessKey == "BACKUPKEY")
        #expect(try S3Configuration.resolve(settings, threads: 1, environment: environment([:], home: home)).signing.accessKey == "DEFAULTKEY")
        // Options win over the environment and the files.
        var explicit = chosen
        explicit.endpoint = "https://store.example:8443"
        explicit.region = "us-west-2"
        let overridden = try S3Configuration.resolve(explicit, threads: 1, environment: environment(["AWS_REGION": "x", "AWS_ENDPOINT_URL": "http://other"], home: home))
        #expect(overridden.endpoint == "https://store.example:8443" && overridden.region == "us-west-2")
    }

    @Test("missing credentials, an unknown profile and a malformed endpoint are usage errors that say where to look")
    func errors() {
        #expect {
            try S3Configuration.resolve(ObjectStoreSettings(), threads: 1, environment: environment())
        } throws: { "\($0)".contains("no S3 credentials") }
        var profile = ObjectStoreSettings()
        profile.profile = "nope"
        #expect {
            try S3Configuration.resolve(profile, threads: 1, environment: environment())
        } throws: { "\($0)".contains("'nope'") }
        var endpoint = ObjectStoreSettings()
        endpoint.endpoint = "store.example/path"
        #expect {
            try S3Configuration.resolve(endpoint, threads: 1, environment: environment(["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"]))
        } throws: { "\($0)".contains("not a URL") }
    }

    @Test("the signing credentials never show the secret")
    func secretHidden() throws {
        let configuration = try S3Configuration.resolve(ObjectStoreSettings(), threads: 1, environment: environment([
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "very-secret",
        ]))
        #expect(!"\(configuration.signing)".contains("very-secret"))
        #expect(!configuration.summary.contains("very-secret"))
    }

    @Test("parts grow every 2,000, so 10,000 parts hold about 1 TB at 16 MiB")
    func partSizes() throws {
        let configuration = try S3Configuration.resolve(ObjectStoreSettings(), threads: 1, environment: environment([
            "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
        ]))
        #expect(configuration.partSize(number: 1) == 16 << 20)
        #expect(configuration.partSize(number: 2_000) == 16 << 20)
        #expect(configuration.partSize(number: 2_001) == 32 << 20)
        let total = (1...10_000).reduce(0) { $0 + configuration.partSize(number: $1) }
        #expect(total > 1 << 40 - (1 << 36))
    }

    @Test("XML replies: fields by name, entities unescaped, elements that only share a prefix ignored")
    func xml() {
        let reply = XMLFields(Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>
            <Contents><Key>a&amp;b &lt;c&gt; &#x41;&#66;</Key><Size>12</Size></Contents>
            <Contents><Key>second</Key><Size>0</Size></Contents><KeyCount>2</KeyCount>
            <NextContinuationToken>tok/en=</NextContinuationToken></ListBucketResult>
            """.utf8))
        #expect(reply.value("IsTruncated") == "true")
        #expect(reply.elements("Contents").compactMap { $0.value("Key") } == ["a&b <c> AB", "second"])
        #expect(reply.elements("Contents").compactMap { $0.value("Size") } == ["12", "0"])
        #expect(reply.value("Key") == "a&b <c> AB", "KeyCount is not Key")
        #expect(reply.value("NextContinuationToken") == "tok/en=")
        #expect(reply.value("Missing") == nil)
        #expect(XMLFields.escaped("<a & 'b'>") == "&lt;a &amp; &apos;b&apos;&gt;")
        // A mark that combines with the `>`, `;` or `&` before it is data, not part of them.
        let marks = XMLFields(Array("<Contents><Key>\u{301}x&amp;\u{301}&lt;\u{301}</Key></Contents><Contents><Key>y</Key></Contents>".utf8))
        #expect(marks.elements("Contents").compactMap { $0.value("Key") } == ["\u{301}x&\u{301}<\u{301}", "y"])
        #expect(XMLFields.escaped("&\u{301}<\u{301}") == "&amp;\u{301}&lt;\u{301}")
    }

    @Test("MD5 as RFC 1321 gives it, base64 as Content-MD5 carries it")
    func md5() {
        func hex(_ text: String) -> String { Hexadecimal.encode(MD5.digest(Array(text.utf8))).lowercased() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") == "57edf4a22be3c955ac49da2e2107b67a")
        #expect(MD5.base64(Array("".utf8)) == "1B2M2Y8AsgTpgAmY7PhCfg==")
    }
}
