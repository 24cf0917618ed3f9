/// One command-line option, as mysqldump's my_getopt tables describe them: a long name, an
/// optional one-letter form, whether it takes a value, and its help line.
public struct OptionDefinition: Sendable {
    public enum Argument: Sendable, Equatable {
        /// A boolean (`--X`, `--skip-X`, `--X=0`) or an action such as `--help`.
        case none
        /// `--X=V`, `--X V`, `-xV`, `-x V`.
        case required(valueName: String)
        /// `--X=V` or `--X`, `-xV` or `-x` (how `-p` prompts for a password).
        case optional(valueName: String)
    }

    /// The canonical name, with dashes: "single-transaction".
    public let name: String
    public let short: Character?
    public let argument: Argument
    /// The heading it is listed under in `--help`.
    public let group: String
    public let help: String
    /// The default as `--help` shows it ("TRUE", "16777216"); nil when there is none to show.
    public let defaultValue: String?
    /// Its value is a secret (the password): where it stood on the command line is recorded,
    /// so it can be overwritten in the process's arguments, and it is never shown.
    public let isSecret: Bool

    public init(_ name: String, short: Character? = nil, argument: Argument = .none, group: String, help: String,
                default defaultValue: String? = nil, secret: Bool = false) {
        self.name = name
        self.short = short
        self.argument = argument
        self.group = group
        self.help = help
        self.defaultValue = defaultValue
        self.isSecret = secret
    }

    var isBoolean: Bool { argument == .none }
}

/// An option found on the command line, in the order given (later ones override earlier).
public struct ParsedOption: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// A boolean set on (`--X`, `--enable-X`, `--X=1`) or off (`--skip-X`, `--X=0`).
        case flag(Bool)
        case text(String)
        /// An optional-argument option given without one (`-p` alone).
        case absent
    }

    public let name: String
    public let value: Value
    /// `FILE:LINE` for an option an option file gave; nil for the command line.
    public var origin: String?

    public init(_ name: String, _ value: Value, origin: String? = nil) {
        self.name = name
        self.value = value
        self.origin = origin
    }

    /// `error` with where the option came from, when an option file gave it.
    func located(_ error: DumpError) -> DumpError {
        guard let origin, case .usage(let message) = error else { return error }
        return .usage("\(origin): \(message)")
    }

    /// A boolean's setting: on unless turned off (`--skip-X`, `--X=0`).
    var isOn: Bool { value != .flag(false) }

    /// The value given, if any.
    var text: String? {
        if case .text(let value) = value { return value }
        return nil
    }
}

/// The command line taken apart: options in order, positional arguments, and warnings to print.
public struct ParsedArguments: Sendable, Equatable {
    public var options: [ParsedOption] = []
    public var positionals: [String] = []
    public var warnings: [String] = []
    /// Where a secret option's value starts in the arguments parsed: its argument's index and
    /// the offset of its first byte there (`-vpSECRET`: argument 0, offset 3).
    public var secretValues: [ArgumentSpan] = []

    public init() {}

    /// True if `name` was given and its last occurrence switched it on.
    public func isSet(_ name: String) -> Bool {
        guard let last = options.last(where: { $0.name == name }) else { return false }
        return last.value != .flag(false)
    }
}

/// A place in the command line: an argument and a byte offset in it.
public struct ArgumentSpan: Sendable, Equatable {
    public let argument: Int
    public let offset: Int
}

/// A command-line mistake, with the exit code my_getopt gives it (mysqldump exits with that).
public struct CommandLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        case unknownOption = 2
        case ambiguousOption = 3
        case noArgumentAllowed = 4
        case argumentRequired = 5
        case invalidValue = 13
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    public var exitCode: Int32 { kind.rawValue }
}
