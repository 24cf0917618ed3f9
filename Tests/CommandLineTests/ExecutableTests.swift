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

    @Test("an unknown option exits 2 and names the option on stderr", arguments: programs)
    func unknownOption(program: String) throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["--no-such-option"])
        #expect(outcome.status == 2)
        #expect(outcome.standardErrorText.contains("\(program): unknown option '--no-such-option'"))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test("an unknown --loose- option only warns, as in mysqldump", arguments: programs)
    func looseOption(program: String) throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["--loose-no-such-option", "--version"])
        #expect(outcome.status == 0)
        #expect(outcome.standardErrorText.contains("Warning: \(program): unknown option '--loose-no-such-option'"))
    }

    @Test("asked to do work this build cannot do yet, it refuses with a non-zero exit", arguments: programs)
    func notYet(program: String) throws {
        let outcome = try ProcessRunner.run(RepositoryPaths.product(program), ["somedb"])
        #expect(outcome.status != 0)
        #expect(outcome.standardErrorText.contains(program))
        #expect(outcome.standardOutput.isEmpty)
    }
}
