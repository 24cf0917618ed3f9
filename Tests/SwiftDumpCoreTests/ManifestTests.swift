import Foundation
@testable import SwiftDumpCore
import Testing

/// The manifest written a record at a time says what encoding the whole value says.
@Suite("Manifest")
struct ManifestTests {
    /// Every field set, optional ones included, names that are not UTF-8 among them: a field the
    /// writer forgot would be missing from its output.
    private static func sample(files count: Int) -> Manifest {
        let odd = SQLName(bytes: [0x74, 0xFF, 0x22, 0x5C])
        let settings = DumpSettings(
            server: .init(host: "db", port: 3306, socket: "/run/s", user: "backup", tls: true, verifiesServerCertificate: false),
            scope: "databases", databases: ["shop", odd], tables: [], ignoredTables: ["shop.log"], ignoredDatabases: [],
            whereCondition: "id > 1", threads: 2, chunkSize: 1000, compression: "zstd:3", characterSet: "utf8mb4", order: "dependencies",
            noData: false, noCreateInfo: false, routines: true, events: false, triggers: true, hexBlob: false, tzUTC: true,
            completeInsert: false, extendedInsert: true, insertIgnore: false, replace: false, dumpHistory: false, skipDefiner: false,
            lockAllTables: false, noLock: false, masterData: 2)
        let files = (0..<count).map { index in
            var record = Manifest.FileRecord(order: index + 1, path: "shop/t\(index).0000\(index % 10).sql", kind: index % 2 == 0 ? .schema : .data,
                                             database: "shop", table: index == 3 ? odd : SQLName("t\(index)"))
            record.bytes = UInt64(index * 1000)
            record.sqlBytes = UInt64(index * 2000)
            record.rows = UInt64(index)
            record.xxh64 = String(format: "%016llx", UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            record.rowChecksum = index % 2 == 0 ? nil : UInt64.max - UInt64(index)
            record.storedVersion = index % 3 == 0 ? "\"etag-\(index)\"" : nil
            return record
        }
        return Manifest(tool: "swiftdump 1.0", serverVersion: "10.11.6-MariaDB", startedAt: "2026-12-04T01:00:00Z",
                        finishedAt: "2026-12-04T01:00:09Z", settings: settings, compression: "zstd:3",
                        snapshot: SnapshotProof(method: "BACKUP STAGE", lockHeldMilliseconds: 1.5,
                                                positions: [LogPosition(file: "bin.000001", position: "42", gtid: "0-1-7")],
                                                consistent: true, note: "line one\nline \"two\""),
                        notCoveredBySnapshot: [TableID(database: "shop", table: odd)],
                        files: files, tables: files.filter { $0.kind == .data }.map {
                            Manifest.TableRecord(database: $0.database ?? "", table: $0.table ?? "", rows: $0.rows, rowChecksum: $0.rowChecksum ?? 0)
                        })
    }

    private static func written(_ manifest: Manifest) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try OutputStream(path: path)
        try manifest.write(to: stream)
        try stream.commit()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test("the streamed manifest equals the whole value encoded", arguments: [0, 1, 7, 3000])
    func streamedEqualsEncoded(files: Int) throws {
        let manifest = Self.sample(files: files)
        let streamed = try Self.written(manifest)
        let whole = try JSONEncoder().encode(manifest)
        let parsedStreamed = try #require(try JSONSerialization.jsonObject(with: streamed) as? NSDictionary)
        let parsedWhole = try #require(try JSONSerialization.jsonObject(with: whole) as? NSDictionary)
        #expect(parsedStreamed == parsedWhole)
        #expect(parsedStreamed.count == 12)
        let decoded = try JSONDecoder().decode(Manifest.self, from: streamed)
        #expect(decoded.files.map(\.path) == manifest.files.map(\.path))
        #expect(decoded.files.map(\.rowChecksum) == manifest.files.map(\.rowChecksum))
        #expect(decoded.notCoveredBySnapshot == manifest.notCoveredBySnapshot)
        #expect(decoded.settings == manifest.settings)
        // One record per line: the file stays readable, and grows by a line per file.
        let lines = String(decoding: streamed, as: UTF8.self).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("    {\"bytes\":") }.count == files)
        #expect(lines.filter { $0.hasPrefix("    {\"database\":") }.count == files / 2)
    }
}

extension ManifestTests {
    @Test("the manifest reads back a record at a time, in any JSON layout", arguments: [0, 1, 7, 3000])
    func readsBack(files: Int) throws {
        let manifest = Self.sample(files: files)
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted]
        for bytes in [Array(try Self.written(manifest)), Array(try JSONEncoder().encode(manifest)), Array(try pretty.encode(manifest))] {
            let read = try Manifest.read(bytes)
            let expected = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(manifest)) as? NSDictionary
            #expect(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(read)) as? NSDictionary == expected)
            #expect(read.files.map(\.path) == manifest.files.map(\.path))
        }
    }

    @Test("a manifest cut short, or missing its files, does not read")
    func malformedManifests() throws {
        let whole = Array(try Self.written(Self.sample(files: 5)))
        for length in [0, 1, whole.count / 3, whole.count / 2, whole.count - 3] {
            #expect(throws: (any Error).self, "\(length) bytes") { try Manifest.read(Array(whole[..<length])) }
        }
        #expect(throws: (any Error).self) { try Manifest.read(whole + Array("x".utf8)) }
        var withoutFiles = try #require(try JSONSerialization.jsonObject(with: Data(whole)) as? [String: Any])
        withoutFiles["files"] = nil
        #expect(throws: DecodingError.self) { try Manifest.read(Array(try JSONSerialization.data(withJSONObject: withoutFiles))) }
    }
}
