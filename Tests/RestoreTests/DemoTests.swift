import Foundation
import Testing
import TestSupport

/// scripts/demo, against the test server, with the binaries this test run built.
@Suite("scripts/demo")
struct DemoTests {
    @Test("dumps the generated shop, restores it verified, and reports; it leaves no database behind")
    func demo() throws {
        let endpoint = try TestServer.endpoint()
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFTDUMP_BIN"] = RepositoryPaths.products.path
        environment["DEMO_ROWS"] = "20000"
        let outcome = try ProcessRunner.run("/bin/bash", [RepositoryPaths.script("demo"), "--no-defaults", "--socket=\(endpoint.socket)", "--user=root"],
                                            environment: environment)
        #expect(outcome.status == 0, "\(outcome.standardErrorText)\n\(outcome.standardOutputText)")
        let report = outcome.standardOutputText
        #expect(report.contains("swiftdump demo report"))
        #expect(report.contains("verified: yes"), "\(report)")
        #expect(report.contains("mariadb-dump | zstd"))
        #expect(report.contains("the restored database equals the original"))
        let left = try TestServer.connect().query("SHOW DATABASES LIKE 'swiftdump\\_demo\\_%'").rows
        #expect(left.isEmpty, "the demo drops its databases")
    }
}
