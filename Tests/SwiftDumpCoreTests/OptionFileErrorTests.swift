import Foundation
@testable import SwiftDumpCore
import Testing

/// A malformed line of an option file is reported with its file and line, and the command
/// stops (as mysqldump does), whatever is wrong with it.
@Suite("Malformed option files")
struct OptionFileErrorTests {
    /// Runs swiftdump with only `contents` as its option file.
    static func run(_ contents: String, _ arguments: [String] = ["no_such_database"]) throws -> (status: Int32, errors: String, path: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swiftdump-bad-\(UUID().uuidString).cnf").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var output = ""
        var errors = ""
        // A mistake in the options stops the command before it connects.
        let status = DumpCommand.run(["--defaults-file=\(path)"] + arguments + ["--socket=/nonexistent/socket"], output: &output, errors: &errors)
        return (status, errors, path)
    }

    @Test("every kind of malformed line: its file, its line, what is wrong", arguments: [
        ("threads=2\n[swiftdump]\n", 1, "an option before any [group]"),
        ("[client]\nuser=a\n[swiftdump\n", 3, "wrong group definition"),
        ("[client]\n[]\n", 2, "a group without a name"),
        ("[swiftdump]\npassword=\"never closed\n", 2, "a quoted value that is not closed"),
        ("[swiftdump]\n!inclde other.cnf\n", 2, "unknown directive"),
        ("[swiftdump]\nchunk size=4M\n", 2, "not a name=value line"),
        ("[swiftdump]\nsingle transaction\n", 2, "not an option name"),
        ("[client]\nuser=a\n\n[mysqldump]\nno-such-option=1\n", 5, "unknown option '--no-such-option'"),
        ("[swiftdump]\nthreads=many\n", 2, "Error while setting value 'many' to 'threads'"),
        ("[swiftdump]\nformat=xml\n", 2, "--format takes 'sql' or 'dir'"),
        ("[swiftdump]\ncompact=2\n", 2, "takes 0, 1, ON, OFF, TRUE or FALSE"),
    ])
    func malformed(contents: String, line: Int, problem: String) throws {
        let (status, errors, path) = try Self.run(contents)
        #expect(status != 0, "\(contents) was accepted")
        #expect(errors.contains("\(path):\(line): "), "no file and line in: \(errors)")
        #expect(errors.contains(problem), "\(errors)")
    }

    @Test("a well-formed file is read, and a --loose option it does not know is a warning with its place")
    func wellFormed() throws {
        // --version acts once the command line is read.
        let (status, errors, path) = try Self.run("# a comment\n; another\n[client]\nuser = \"quoted # not a comment\"\n[swiftdump]\nloose-no-such=1\nthreads = 2 # a comment\n", ["--version"])
        #expect(status == 0, "\(errors)")
        #expect(errors.contains("\(path):6: Warning"), "\(errors)")
    }
}
