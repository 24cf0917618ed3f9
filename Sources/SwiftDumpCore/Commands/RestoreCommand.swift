/// `swiftrestore`: loads swiftdump output and mysqldump files, in parallel.
public enum RestoreCommand: Command {
    public static let program = "swiftrestore"

    public static let options: [OptionDefinition] = CommonOptions.definitions

    public static let optionFileGroups: [String] = []

    public static let help = HelpText(
        usage: ["\(program) [OPTIONS] FILE|DIRECTORY|-"],
        summary: "Loads a dump written by swiftdump or mysqldump (plain, gzip or zstd) into a server, in parallel, with foreign-key checks off.",
        definitions: options,
        footer: ["Restoring is being added; this build answers --help and --version only."]
    )

    public static func execute(_ arguments: ParsedArguments, errors: inout some TextOutputStream) -> ExitCode {
        errors.write("\(program): this build does not restore yet; see --help.\n")
        return .usage
    }
}
