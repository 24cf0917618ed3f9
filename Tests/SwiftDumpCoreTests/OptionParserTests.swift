import SwiftDumpCore
import Testing

/// A table shaped like mysqldump's: booleans, required and optional values, short forms, and
/// names that share prefixes (compact/compress/complete-insert, comments).
private let definitions: [OptionDefinition] = [
    OptionDefinition("user", short: "u", argument: .required(valueName: "name"), group: "Connection", help: "User."),
    OptionDefinition("password", short: "p", argument: .optional(valueName: "password"), group: "Connection", help: "Password."),
    OptionDefinition("host", short: "h", argument: .required(valueName: "name"), group: "Connection", help: "Host."),
    OptionDefinition("databases", short: "B", group: "Selection", help: "Databases."),
    OptionDefinition("verbose", short: "v", group: "Output", help: "Verbose."),
    OptionDefinition("compact", group: "Output", help: "Compact."),
    OptionDefinition("compress", short: "C", group: "Connection", help: "Compress."),
    OptionDefinition("complete-insert", short: "c", group: "Output", help: "Complete insert."),
    OptionDefinition("comments", group: "Output", help: "Comments."),
    OptionDefinition("single-transaction", group: "Consistency", help: "Single transaction."),
    OptionDefinition("net-buffer-length", argument: .required(valueName: "#"), group: "Output", help: "Buffer."),
]

private let parser = OptionParser(program: "swiftdump", definitions: definitions)

private func parse(_ arguments: String...) throws(CommandLineError) -> ParsedArguments {
    try parser.parse(arguments)
}

@Suite("mysqldump's command-line grammar")
struct OptionParserTests {
    @Test("short options take attached or separate values; -p alone has none")
    func shortValues() throws {
        let parsed = try parse("-uroot", "-h", "db1", "-p", "-pSECRET", "sakila")
        #expect(parsed.options == [
            ParsedOption("user", .text("root")), ParsedOption("host", .text("db1")),
            ParsedOption("password", .absent), ParsedOption("password", .text("SECRET")),
        ])
        #expect(parsed.positionals == ["sakila"])
    }

    @Test("short flags cluster, and a value ends the cluster")
    func clusters() throws {
        let parsed = try parse("-Bvuroot")
        #expect(parsed.options == [ParsedOption("databases", .flag(true)), ParsedOption("verbose", .flag(true)), ParsedOption("user", .text("root"))])
    }

    @Test("long options take =value or the next argument; an optional value only with =")
    func longValues() throws {
        let parsed = try parse("--user=a", "--user", "b", "--password", "db", "--password=x=y")
        #expect(parsed.options == [
            ParsedOption("user", .text("a")), ParsedOption("user", .text("b")),
            ParsedOption("password", .absent), ParsedOption("password", .text("x=y")),
        ])
        #expect(parsed.positionals == ["db"])
    }

    @Test("booleans: --X, --skip-X, --disable-X, --enable-X, --X=0|1|on|off|true|false")
    func booleans() throws {
        let parsed = try parse("--compact", "--skip-compact", "--disable-comments", "--enable-comments",
                               "--compact=0", "--compact=ON", "--comments=false", "--comments=TRUE")
        #expect(parsed.options.map(\.value) == [true, false, false, true, false, true, false, true].map { .flag($0) })
        #expect(parsed.isSet("compact") && parsed.isSet("comments") && !parsed.isSet("verbose"))
    }

    @Test("_ and - are interchangeable; a unique prefix names an option")
    func namesAndPrefixes() throws {
        let parsed = try parse("--single_transaction", "--single", "--net_buffer_length=1024", "--comm", "--skip-single")
        #expect(parsed.options == [
            ParsedOption("single-transaction", .flag(true)), ParsedOption("single-transaction", .flag(true)),
            ParsedOption("net-buffer-length", .text("1024")), ParsedOption("comments", .flag(true)),
            ParsedOption("single-transaction", .flag(false)),
        ])
    }

    @Test("an ambiguous prefix is refused and names the candidates")
    func ambiguous() {
        let error = #expect(throws: CommandLineError.self) { try parse("--comp") }
        #expect(error?.kind == .ambiguousOption)
        #expect(error?.exitCode == 3)
        #expect(error?.description == "swiftdump: ambiguous option '--comp' (compact, compress, complete-insert)")
    }

    @Test("unknown options fail with exit 2; unknown --loose- options only warn")
    func unknown() throws {
        for argument in ["--bogus", "--skip-bogus", "-Z", "--bogus=1"] {
            let error = #expect(throws: CommandLineError.self) { try parser.parse([argument]) }
            #expect(error?.kind == .unknownOption, "\(argument)")
            #expect(error?.exitCode == 2)
        }
        let parsed = try parse("--loose-bogus=3", "--loose-compact")
        #expect(parsed.warnings == ["Warning: swiftdump: unknown option '--loose-bogus'"])
        #expect(parsed.options == [ParsedOption("compact", .flag(true))])
    }

    @Test("a missing value fails with exit 5; a bad boolean value with 13")
    func badValues() {
        let missing = #expect(throws: CommandLineError.self) { try parse("--user") }
        #expect(missing?.exitCode == 5)
        let missingShort = #expect(throws: CommandLineError.self) { try parse("-u") }
        #expect(missingShort?.description == "swiftdump: option '-u' requires an argument")
        let bad = #expect(throws: CommandLineError.self) { try parse("--compact=2") }
        #expect(bad?.exitCode == 13)
        let skipWithValue = #expect(throws: CommandLineError.self) { try parse("--skip-compact=1") }
        #expect(skipWithValue?.exitCode == 4)
    }

    @Test("-- ends the options; a lone - is a positional (standard input)")
    func endOfOptions() throws {
        let parsed = try parse("-v", "--", "--not-an-option", "-u", "-")
        #expect(parsed.options == [ParsedOption("verbose", .flag(true))])
        #expect(parsed.positionals == ["--not-an-option", "-u", "-"])
        #expect(try parse("-").positionals == ["-"])
    }

    @Test("the next argument is a value even when it looks like an option, as in my_getopt")
    func valueLooksLikeOption() throws {
        #expect(try parse("--user", "--verbose").options == [ParsedOption("user", .text("--verbose"))])
    }
}

@Suite("--help layout")
struct HelpTextTests {
    @Test("groups in order of first appearance, short forms, value names and defaults")
    func layout() {
        let help = HelpText(
            usage: ["prog [OPTIONS] db", "prog [OPTIONS] --all"],
            summary: "Does things.",
            definitions: [
                OptionDefinition("user", short: "u", argument: .required(valueName: "name"), group: "Connection", help: "User for login."),
                OptionDefinition("password", short: "p", argument: .optional(valueName: "pw"), group: "Connection", help: "Password."),
                OptionDefinition("compact", group: "Output", help: "Give less verbose output.", default: "FALSE"),
            ])
        #expect(help.render() == """
            Does things.

            Usage: prog [OPTIONS] db
            OR     prog [OPTIONS] --all

            Connection:
              -u, --user=name               User for login.
              -p, --password[=pw]           Password.

            Output:
                  --compact                 Give less verbose output. (Default: FALSE)

            """)
    }
}
