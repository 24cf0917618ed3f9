/// Takes a command line apart the way mysqldump's option parser (my_getopt) does, so scripts
/// written for mysqldump run unchanged:
///
/// - `--name=value` and `--name value`; `-xVALUE` and `-x VALUE`; short flags cluster (`-Bv`).
/// - Booleans: `--X`, `--skip-X`, `--disable-X`, `--enable-X`, `--X=0|1|on|off|true|false`.
/// - `_` and `-` are interchangeable in names; a unique prefix names an option (`--single`).
/// - `--loose-X` for an unknown X is a warning, not an error; `--` ends the options.
/// - An optional argument is taken only when attached (`-pSECRET`, `--password=SECRET`).
/// - Options and positional arguments may be mixed.
///
/// Unlike mysqldump, an invalid boolean value (`--compact=2`) is an error, not a warning.
public struct OptionParser: Sendable {
    public let program: String
    public let definitions: [OptionDefinition]

    public init(program: String, definitions: [OptionDefinition]) {
        self.program = program
        self.definitions = definitions
    }

    public func parse(_ arguments: [String]) throws(CommandLineError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var remaining = arguments[...]
        while let index = remaining.indices.first, let argument = remaining.popFirst() {
            if argument == "--" {
                parsed.positionals.append(contentsOf: remaining)
                break
            } else if argument.hasPrefix("--") {
                try parseLong(String(argument.dropFirst(2)), at: index, remaining: &remaining, into: &parsed)
            } else if argument.hasPrefix("-") && argument.utf8.count > 1 {
                try parseShort(Array(argument.utf8.dropFirst()), at: index, remaining: &remaining, into: &parsed)
            } else {
                parsed.positionals.append(argument)
            }
        }
        return parsed
    }

    // MARK: Long options

    private func parseLong(_ text: String, at index: Int, remaining: inout ArraySlice<String>, into parsed: inout ParsedArguments) throws(CommandLineError) {
        let given = "--" + text
        let (rawName, attached) = splitValue(text)
        var name = String(rawName.map { $0 == "_" ? "-" : $0 })
        let loose = name.hasPrefix("loose-")
        if loose { name.removeFirst("loose-".count) }

        let resolution: Resolution
        do {
            resolution = try resolve(name)
        } catch let error where loose && error.kind == .unknownOption {
            parsed.warnings.append("Warning: \(program): unknown option '\(given.prefix { $0 != "=" })'")
            return
        }
        let definition = resolution.definition
        switch definition.argument {
        case .none:
            var on = resolution.enabled
            if let attached {
                guard resolution.prefix == nil else {
                    throw CommandLineError(.noArgumentAllowed, "\(program): option '--\(rawName)' cannot take an argument")
                }
                guard let value = Self.boolean(attached) else {
                    throw CommandLineError(.invalidValue, "\(program): option '--\(definition.name)' takes 0, 1, ON, OFF, TRUE or FALSE, not '\(attached)'")
                }
                on = value
            }
            parsed.options.append(ParsedOption(definition.name, .flag(on)))
        case .required:
            if resolution.prefix != nil { throw unknown(given) }
            if let attached {
                parsed.options.append(ParsedOption(definition.name, .text(attached)))
            } else if let next = remaining.popFirst() {
                parsed.options.append(ParsedOption(definition.name, .text(next)))
            } else {
                throw CommandLineError(.argumentRequired, "\(program): option '--\(definition.name)' requires an argument")
            }
        case .optional:
            if resolution.prefix != nil { throw unknown(given) }
            parsed.options.append(ParsedOption(definition.name, attached.map { .text($0) } ?? .absent))
            if definition.isSecret && attached != nil {
                // `--` + the name as given + `=`.
                parsed.secretValues.append(ArgumentSpan(argument: index, offset: 2 + rawName.utf8.count + 1))
            }
        }
    }

    private struct Resolution {
        let definition: OptionDefinition
        /// "skip", "disable" or "enable" when the name carried one.
        let prefix: String?
        var enabled: Bool { prefix != "skip" && prefix != "disable" }
    }

    /// Finds the option `name` means: an exact name first, then a boolean behind a
    /// skip/disable/enable prefix, then a unique prefix of either.
    private func resolve(_ name: String) throws(CommandLineError) -> Resolution {
        if let exact = definitions.first(where: { $0.name == name }) {
            return Resolution(definition: exact, prefix: nil)
        }
        let booleanPrefixes = ["skip", "disable", "enable"]
        for prefix in booleanPrefixes where name.hasPrefix(prefix + "-") {
            let base = String(name.dropFirst(prefix.count + 1))
            if let exact = definitions.first(where: { $0.name == base && $0.isBoolean }) {
                return Resolution(definition: exact, prefix: prefix)
            }
        }
        let candidates = definitions.filter { $0.name.hasPrefix(name) }
        if candidates.count == 1 { return Resolution(definition: candidates[0], prefix: nil) }
        if candidates.count > 1 {
            throw CommandLineError(.ambiguousOption, "\(program): ambiguous option '--\(name)' (\(candidates.map(\.name).joined(separator: ", ")))")
        }
        for prefix in booleanPrefixes where name.hasPrefix(prefix + "-") {
            let base = String(name.dropFirst(prefix.count + 1))
            let booleans = definitions.filter { $0.name.hasPrefix(base) && $0.isBoolean }
            if booleans.count == 1 { return Resolution(definition: booleans[0], prefix: prefix) }
            if booleans.count > 1 {
                throw CommandLineError(.ambiguousOption, "\(program): ambiguous option '--\(name)' (\(booleans.map(\.name).joined(separator: ", ")))")
            }
        }
        throw unknown("--" + name)
    }

    // MARK: Short options

    /// `letters`: the argument's bytes after the dash. Option letters are ASCII; a value
    /// attached to one is the bytes after it (a value may start with any byte, a combining mark
    /// included, so the letters are never read as `Character`s).
    private func parseShort(_ letters: [UInt8], at argument: Int, remaining: inout ArraySlice<String>, into parsed: inout ParsedArguments) throws(CommandLineError) {
        var index = 0
        while index < letters.count {
            let byte = letters[index]
            let letter = Character(Unicode.Scalar(byte))
            guard byte < 0x80, let definition = definitions.first(where: { $0.short == letter }) else {
                throw unknown("-" + String(decoding: letters[index...].prefix(byte < 0x80 ? 1 : 4), as: UTF8.self))
            }
            let rest = String(decoding: letters[(index + 1)...], as: UTF8.self)
            switch definition.argument {
            case .none:
                parsed.options.append(ParsedOption(definition.name, .flag(true)))
                index += 1
                continue
            case .required:
                if !rest.isEmpty {
                    parsed.options.append(ParsedOption(definition.name, .text(rest)))
                } else if let next = remaining.popFirst() {
                    parsed.options.append(ParsedOption(definition.name, .text(next)))
                } else {
                    throw CommandLineError(.argumentRequired, "\(program): option '-\(letter)' requires an argument")
                }
            case .optional:
                parsed.options.append(ParsedOption(definition.name, rest.isEmpty ? .absent : .text(rest)))
                if definition.isSecret && !rest.isEmpty {
                    // The dash, the letters up to this one, then the value.
                    parsed.secretValues.append(ArgumentSpan(argument: argument, offset: 1 + index + 1))
                }
            }
            return
        }
    }

    // MARK: Helpers

    private func unknown(_ given: String) -> CommandLineError {
        CommandLineError(.unknownOption, "\(program): unknown option '\(given.prefix { $0 != "=" })'")
    }

    private func splitValue(_ text: String) -> (name: String, value: String?) {
        guard let equals = text.firstIndex(of: "=") else { return (text, nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// my_getopt's boolean spellings.
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "on", "true": true
        case "0", "off", "false": false
        default: nil
        }
    }
}
