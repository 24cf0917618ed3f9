#if canImport(Glibc)
import Glibc
#endif

/// Reads MySQL option files the way the server's clients do, and turns the options of the
/// program's groups into `--name=value` arguments that go before the command line's own (so
/// the command line wins).
///
/// - Files, in order: /etc/my.cnf, /etc/mysql/my.cnf, `--defaults-extra-file`, ~/.my.cnf; or
///   only `--defaults-file`; or none with `--no-defaults`.
/// - `!include FILE` and `!includedir DIR` (every `*.cnf` there, in name order).
/// - Groups: the program's (e.g. `[client]`, `[client-server]`, `[client-mariadb]`,
///   `[mysqldump]`, `[mariadb-dump]`), and each again with `--defaults-group-suffix`.
/// - `name=value`, `name = "quoted value"` (with \n \t \\ \s escapes), a bare `name`,
///   `#` and `;` comment lines, trailing ` # comments` after unquoted values.
public struct OptionFiles: Sendable {
    public let groups: [String]
    public var home: String?

    public init(groups: [String], home: String? = nil) {
        self.groups = groups
        self.home = home
    }

    /// The options controlling which files are read, taken from anywhere on the command line.
    public struct Selection: Sendable, Equatable {
        public var noDefaults = false
        public var defaultsFile: String?
        public var extraFile: String?
        public var groupSuffix: String?
    }

    public static func selection(in arguments: [String]) -> Selection {
        var selection = Selection()
        for argument in arguments {
            if argument == "--" { break }
            if argument == "--no-defaults" { selection.noDefaults = true }
            if let value = argument.value(of: "--defaults-file=") { selection.defaultsFile = value }
            if let value = argument.value(of: "--defaults-extra-file=") { selection.extraFile = value }
            if let value = argument.value(of: "--defaults-group-suffix=") { selection.groupSuffix = value }
        }
        return selection
    }

    /// An option an option file gives, as a `--name=value` argument, and where it stands.
    public struct Argument: Sendable, Equatable {
        public let text: String
        public let file: String
        public let line: Int
    }

    /// The arguments the option files contribute, in file order.
    public func arguments(for selection: Selection) throws(OptionFileError) -> [String] {
        try located(for: selection).map(\.text)
    }

    /// The same, each with its file and line (for messages about it).
    public func located(for selection: Selection) throws(OptionFileError) -> [Argument] {
        if selection.noDefaults { return [] }
        var files: [String]
        if let only = selection.defaultsFile {
            guard System.isReadable(only) else { throw OptionFileError("Could not open required defaults file: \(only)") }
            files = [only]
        } else {
            files = ["/etc/my.cnf", "/etc/mysql/my.cnf"]
            if let extra = selection.extraFile {
                guard System.isReadable(extra) else { throw OptionFileError("Could not open required defaults file: \(extra)") }
                files.append(extra)
            }
            if let home = home ?? System.environment("HOME") { files.append(home + "/.my.cnf") }
        }
        var wanted = Set(groups)
        if let suffix = selection.groupSuffix { for group in groups { wanted.insert(group + suffix) } }
        var arguments: [Argument] = []
        for file in files where System.isReadable(file) {
            try read(file, groups: wanted, depth: 0, into: &arguments)
        }
        return arguments
    }

    private func read(_ path: String, groups: Set<String>, depth: Int, into arguments: inout [Argument]) throws(OptionFileError) {
        guard depth < 10 else { throw OptionFileError("\(path): !include nested too deeply") }
        guard let bytes = try? System.contents(of: path) else { throw OptionFileError("Could not read option file \(path)") }
        let contents = String(decoding: bytes, as: UTF8.self)
        var inWantedGroup = false
        var inAnyGroup = false
        for (number, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            func malformed(_ problem: String) -> OptionFileError {
                OptionFileError("\(path):\(number + 1): \(problem): \(line)")
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("!includedir") {
                let directory = String(line.dropFirst("!includedir".count)).trimmingWhitespace()
                for file in (System.directoryEntries(directory) ?? []).filter({ $0.hasSuffix(".cnf") }).sorted() {
                    try read(directory + "/" + file, groups: groups, depth: depth + 1, into: &arguments)
                }
                continue
            }
            if line.hasPrefix("!include") {
                let file = String(line.dropFirst("!include".count)).trimmingWhitespace()
                guard System.isReadable(file) else { throw OptionFileError("\(path):\(number + 1): cannot open !include file \(file)") }
                try read(file, groups: groups, depth: depth + 1, into: &arguments)
                continue
            }
            if line.hasPrefix("!") { throw malformed("unknown directive (only !include and !includedir are)") }
            if line.hasPrefix("[") {
                guard let end = line.firstIndex(of: "]"), line[line.index(after: end)...].trimmingWhitespace().isEmpty else {
                    throw malformed("wrong group definition")
                }
                let group = line[line.index(after: line.startIndex)..<end].trimmingWhitespace()
                guard !group.isEmpty else { throw malformed("a group without a name") }
                inWantedGroup = groups.contains(group)
                inAnyGroup = true
                continue
            }
            guard inAnyGroup else { throw malformed("an option before any [group]") }
            guard inWantedGroup else { continue }
            let argument: String
            if let equals = line.firstIndex(of: "=") {
                let name = line[..<equals].trimmingWhitespace()
                guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" }) else { throw malformed("not a name=value line") }
                guard let value = Self.value(String(line[line.index(after: equals)...]).trimmingWhitespace()) else {
                    throw malformed("a quoted value that is not closed")
                }
                argument = "--\(name)=\(value)"
            } else {
                guard !line.contains(where: { $0 == " " || $0 == "\t" }) else { throw malformed("not an option name") }
                argument = "--\(line)"
            }
            arguments.append(Argument(text: argument, file: path, line: number + 1))
        }
    }

    /// An option value with its quotes and escapes resolved, or a trailing comment removed;
    /// nil when a quote is not closed.
    static func value(_ raw: String) -> String? {
        guard let quote = raw.first, quote == "\"" || quote == "'" else {
            if let comment = raw.range(of: " #") ?? raw.range(of: "\t#") { return String(raw[..<comment.lowerBound]).trimmingWhitespace() }
            return raw
        }
        var result = ""
        var escaped = false
        var closed = false
        for character in raw.dropFirst() {
            if escaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "b": result.append("\u{8}")
                case "s": result.append(" ")
                case "\\", "\"", "'": result.append(character)
                default: result.append("\\"); result.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == quote {
                closed = true
                break
            } else {
                result.append(character)
            }
        }
        return closed ? result : nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }

    func value(of prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
