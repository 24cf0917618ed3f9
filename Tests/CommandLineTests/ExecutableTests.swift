import Foundation
import Testing
import TestSupport

/// The built executables, run as a user runs them: exit codes and what they print.
@Suite("The swiftdump and swiftrestore executables")
struct ExecutableTests {
    static let programs = ["swiftdump", "swiftrestore"]

    @Test("--help and -? print usage and the options, exit 0", arguments: programs)
    func help(program: String) throws {
        for flag in ["--help", "-?"] {
            let outcome = try ProcessRunner.run(RepositoryPaths.product(program), [flag])
            #expect(outcome.status == 0)
            #expect(outcome.standardOutputText.contains("Usage: \(program) [OPTIONS]"))
            #expect(outcome.standardOutputText.contains("-V, --version"))
            #expect(outcome.standardError.isEmpty)
        }
    }

    @Test("--version and -V name the program, its version and the C libraries, exit 0", arguments: programs)
    func version(program: String) throws {
        for flag in ["--version", "-V"] {
            let outcome = try ProcessRunner.run(RepositoryPaths.product(program), [flag])
            #expect(outcome.status == 0)
            let line = outcome.standardOutputText
            #expect(line.hasPrefix("\(program) 0."))
            #expect(line.contains("libmariadb 3.") && line.contains("zlib 1.") && line.contains("zstd 1."), "\(line)")
        }
    }

    @Test("an unknown option names the option on stderr and exits with a usage code (swiftdump: my_getopt's 2, swiftrestore: 1)", arguments: programs)
    func unknownOption(program: String) throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["--no-such-option"])
        #expect(outcome.status == (program == "swiftdump" ? 2 : 1))
        #expect(outcome.standardErrorText.contains("\(program): unknown option '--no-such-option'"))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test("an unknown --loose- option only warns, as in mysqldump", arguments: programs)
    func looseOption(program: String) throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["--loose-no-such-option", "--version"])
        #expect(outcome.status == 0)
        #expect(outcome.standardErrorText.contains("Warning: \(program): unknown option '--loose-no-such-option'"))
    }

    @Test("a server that cannot be reached is a server error, exit 2", arguments: programs)
    func unreachable(program: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("unreachable-\(UUID().uuidString).sql").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("SELECT 1;\n-- Dump completed\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let target = program == "swiftdump" ? ["somedb"] : [path]
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["--no-defaults", "--protocol=socket", "--socket=/nonexistent/mysqld.sock"] + target)
        #expect(outcome.status == 2, "\(outcome.standardErrorText)")
        #expect(outcome.standardErrorText.contains(program))
        #expect(outcome.standardOutput.isEmpty)
    }
}
