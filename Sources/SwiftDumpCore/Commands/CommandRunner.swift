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
    /// Runs the command for `arguments` (without the program name). Text goes to `output`
    /// and `errors`; the result is the process's exit code.
    public static func run(_ arguments: [String], output: inout some TextOutputStream, errors: inout some TextOutputStream) -> Int32 {
        var fileArguments: [String] = []
        if !optionFileGroups.isEmpty {
            do {
                fileArguments = try OptionFiles(groups: optionFileGroups).arguments(for: OptionFiles.selection(in: arguments))
            } catch {
                errors.write("\(program): \(error.description)\n")
                return ExitCode.usage.rawValue
            }
        }
        let parsed: ParsedArguments
        do {
            parsed = try OptionParser(program: program, definitions: options).parse(fileArguments + arguments)
        } catch {
            errors.write("\(error.description)\n")
            errors.write("Run '\(program) --help' for the options.\n")
            return usesGetoptExitCodes ? error.exitCode : ExitCode.usage.rawValue
        }
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
        return execute(parsed, errors: &errors).rawValue
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
