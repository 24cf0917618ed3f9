import Foundation
@testable import SwiftDumpCore
import Testing
import TestSupport

/// `--help` promises options and the README shows commands: both must be what the parsers and
/// the option interpreters accept.
@Suite("--help and the README's commands")
struct HelpAndReadmeTests {
    /// A sample value for each value name the help shows.
    static let samples: [String: String] = [
        "#": "2", "name": "x", "FILE": "/dev/null", "SUFFIX": "x", "db.table": "db.t", "cond": "1=1",
        "ALG[:LEVEL]": "zstd:3", "FORMAT": "sql", "ORDER": "dependencies", "DIR": "/tmp/x", "NAME": "x", "VALUE": "x", "OCTAL": "027",
        "URL": "http://127.0.0.1:9000", "BYTES": "16M", "SECONDS": "30",
    ]

    /// Options that need a companion to make sense on their own.
    static let companions: [String: [String]] = ["output-dir": ["--format=dir"], "format": [], "all-databases": []]

    /// The options `text` (a rendered --help) lists: name and argument for the command line.
    static func listedOptions(_ text: String) -> [(name: String, arguments: [String])] {
        var options: [(String, [String])] = []
        // An option's own line: "  -x, --name..." or "      --name..." (help text is indented further).
        for line in text.split(separator: "\n") {
            let isOptionLine = (line.hasPrefix("  -") && line.dropFirst(4).hasPrefix(", --")) || line.hasPrefix("      --")
            guard isOptionLine, let dashes = line.range(of: "--") else { continue }
            let rest = line[dashes.upperBound...].prefix { !$0.isWhitespace }
            let parts = rest.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]).replacingOccurrences(of: "[", with: "")
            var argument = "--\(name)"
            if parts.count == 2 {
                // "--name[=value]" takes an optional value: the bare option is tested.
                if !rest.contains("[=") { argument += "=" + (name == "protocol" ? "tcp" : samples[String(parts[1])] ?? "x") }
            }
            options.append((name, [argument]))
        }
        return options
    }

    @Test("every option swiftdump --help lists is accepted (the refused group is refused by name)")
    func dumpHelp() throws {
        let text = DumpCommand.help.render()
        let listed = Self.listedOptions(text)
        #expect(listed.count > 60)
        for (name, arguments) in listed where !["help", "version"].contains(name) {
            let positionals = name == "all-databases" ? [] : ["db"]
            let parsed = try OptionParser(program: "swiftdump", definitions: DumpCommand.options)
                .parse((Self.companions[name] ?? []) + arguments + positionals)
            var options = DumpOptions()
            #expect(throws: Never.self, "--\(name)") { try options.apply(parsed) }
        }
        #expect(!text.contains("--xml "), "refused options are not listed as options")
        var output = ""
        var errors = ""
        let refused = DumpCommand.run(["--xml", "db"], output: &output, errors: &errors)
        #expect(refused == ExitCode.usage.rawValue)
        #expect(errors.contains("--xml"))
    }

    @Test("every option swiftrestore --help lists is accepted")
    func restoreHelp() throws {
        let listed = Self.listedOptions(RestoreCommand.help.render())
        #expect(listed.count > 35)
        for (name, arguments) in listed where !["help", "version"].contains(name) {
            let parsed = try OptionParser(program: "swiftrestore", definitions: RestoreCommand.options).parse(arguments + ["dump.sql"])
            var options = RestoreOptions()
            #expect(throws: Never.self, "--\(name)") { try options.apply(parsed) }
        }
    }

    /// The README's example command lines: `swiftdump ...` and `swiftrestore ...` in code
    /// blocks, with comments, redirections and pipes taken off.
    static func readmeCommands() throws -> [[String]] {
        let text = try String(contentsOfFile: RepositoryPaths.root.appendingPathComponent("README.md").path, encoding: .utf8)
        var commands: [[String]] = []
        var inCode = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle(); continue }
            guard inCode else { continue }
            var command = String(line)
            if let comment = command.range(of: "  #") { command = String(command[..<comment.lowerBound]) }
            // Pipes and redirections end the command; inside quotes they are part of a word.
            let words = Array(shellWords(command).prefix { !["|", ">", "<", "&&", "2>"].contains($0) })
            guard let program = words.first, program == "swiftdump" || program == "swiftrestore" else { continue }
            commands.append(words)
        }
        return commands
    }

    /// Splits a command line as a shell would, quotes included.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test("every swiftdump and swiftrestore command in the README parses")
    func readmeExamples() throws {
        let commands = try Self.readmeCommands()
        #expect(commands.filter { $0[0] == "swiftdump" }.count >= 5)
        #expect(commands.filter { $0[0] == "swiftrestore" }.count >= 3)
        for words in commands {
            let arguments = Array(words.dropFirst())
            if words[0] == "swiftdump" {
                let parsed = try OptionParser(program: "swiftdump", definitions: DumpCommand.options).parse(arguments)
                var options = DumpOptions()
                #expect(throws: Never.self, "\(words.joined(separator: " "))") { try options.apply(parsed) }
            } else {
                let parsed = try OptionParser(program: "swiftrestore", definitions: RestoreCommand.options).parse(arguments)
                var options = RestoreOptions()
                #expect(throws: Never.self, "\(words.joined(separator: " "))") { try options.apply(parsed) }
            }
        }
    }
}

