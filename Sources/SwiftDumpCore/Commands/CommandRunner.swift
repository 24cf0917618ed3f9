/// What both executables share: parse, answer `--help` and `--version`, report mistakes with
/// the right exit code. Each command supplies its option table and what it does.
public protocol Command {
    static var program: String { get }
    static var options: [OptionDefinition] { get }
    static var help: HelpText { get }
    /// The option-file groups the command reads (none: it reads no option files).
    static var optionFileGroups: [String] { get }
    /// Does the command's work once the command line is parsed; returns the exit code.
    static func execute(_ arguments: ParsedArguments, errors: inout some TextOutputStream) -> ExitCode
    /// True: command-line mistakes exit with my_getopt's codes (2 unknown option, ...), as
    /// mysqldump's do. False: they exit 1, so that 2 means a server error only.
    static var usesGetoptExitCodes: Bool { get }
}

extension Command {
    public static var usesGetoptExitCodes: Bool { true }
}

extension Command {
    /// The process's own run: its arguments, standard output and error; a password given on
    /// the command line is overwritten in the process's arguments as soon as it is parsed (as
    /// the mysql client does), so `ps` and /proc/PID/cmdline never show it while the command
    /// runs. Returns the exit code.
    public static func main() -> Int32 {
        var output = StandardStream.output
        var errors = StandardStream.error
        ProcessSignals.prepare()
        return run(Array(CommandLine.arguments.dropFirst()), output: &output, errors: &errors, scrub: ProcessArguments.overwrite)
    }

    /// Runs the command for `arguments` (without the program name). Text goes to `output`
    /// and `errors`; `scrub` is told where secret values stand in `arguments`. The result is
    /// the process's exit code.
    public static func run(_ arguments: [String], output: inout some TextOutputStream, errors: inout some TextOutputStream,
                           scrub: (ArgumentSpan) -> Void = { _ in }) -> Int32 {
        var fileArguments: [OptionFiles.Argument] = []
        if !optionFileGroups.isEmpty {
            do {
                fileArguments = try OptionFiles(groups: optionFileGroups).located(for: OptionFiles.selection(in: arguments))
            } catch {
                errors.write("\(program): \(error.description)\n")
                return ExitCode.usage.rawValue
            }
        }
        let parser = OptionParser(program: program, definitions: options)
        var parsed = ParsedArguments()
        do throws(CommandLineError) {
            // Each option file's line on its own, so that a mistake is reported with its place;
            // then the command line, which comes after them and so wins.
            for argument in fileArguments {
                do throws(CommandLineError) {
                    let one = try parser.parse([argument.text])
                    parsed.options += one.options.map { var option = $0; option.origin = "\(argument.file):\(argument.line)"; return option }
                    parsed.warnings += one.warnings.map { "\(argument.file):\(argument.line): \($0)" }
                } catch {
                    throw CommandLineError(error.kind, "\(argument.file):\(argument.line): \(error.description)")
                }
            }
            let given = try parser.parse(arguments)
            parsed.options += given.options
            parsed.positionals = given.positionals
            parsed.warnings += given.warnings
            parsed.secretValues = given.secretValues
        } catch {
            errors.write("\(error.description)\n")
            errors.write("Run '\(program) --help' for the options.\n")
            return usesGetoptExitCodes ? error.exitCode : ExitCode.usage.rawValue
        }
        for secret in parsed.secretValues { scrub(secret) }
        for warning in parsed.warnings { errors.write(warning + "\n") }
        // Like mysqldump: --help and --version act as soon as they are seen, whatever follows.
        if parsed.isSet("help") {
            output.write(SwiftDumpVersion.line(program: program) + "\n" + help.render())
            return ExitCode.success.rawValue
        }
        if parsed.isSet("version") {
            output.write(SwiftDumpVersion.line(program: program) + "\n")
            return ExitCode.success.rawValue
        }
        let code = execute(parsed, errors: &errors)
        // An object store's connections end before the process does.
        TransferPool.stopAll()
        return code.rawValue
    }
}

/// Options every command has.
enum CommonOptions {
    static let group = "Help"
    static let definitions = [
        OptionDefinition("help", short: "?", group: group, help: "Display this help and exit."),
        OptionDefinition("version", short: "V", group: group, help: "Output version information and exit."),
    ]
}
