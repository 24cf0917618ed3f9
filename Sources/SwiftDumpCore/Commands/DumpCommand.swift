/// `swiftdump`: mysqldump's command line over the swiftdump engine.
public enum DumpCommand: Command {
    public static let program = "swiftdump"

    public static let options: [OptionDefinition] = CommonOptions.definitions

    public static let help = HelpText(
        usage: [
            "\(program) [OPTIONS] database [tables]",
            "\(program) [OPTIONS] --databases DB1 [DB2 DB3...]",
            "\(program) [OPTIONS] --all-databases",
        ],
        summary: "Dumps MariaDB and MySQL databases as SQL that the mysql client loads, in parallel and in one consistent snapshot.",
        definitions: options,
        footer: ["The dump options of mysqldump are being added; this build answers --help and --version only."]
    )

    public static func execute(_ arguments: ParsedArguments, errors: inout some TextOutputStream) -> ExitCode {
        errors.write("\(program): this build does not dump yet; see --help.\n")
        return .usage
    }
}
