/// Renders `--help` the way mysqldump lays it out: usage lines, then the options grouped under
/// headings, each with its short form, value name and default.
public struct HelpText: Sendable {
    public let usage: [String]
    public let summary: String
    public let definitions: [OptionDefinition]
    public let footer: [String]

    public init(usage: [String], summary: String, definitions: [OptionDefinition], footer: [String] = []) {
        self.usage = usage
        self.summary = summary
        self.definitions = definitions
        self.footer = footer
    }

    public func render() -> String {
        var lines = [summary, ""]
        for (index, line) in usage.enumerated() {
            lines.append((index == 0 ? "Usage: " : "OR     ") + line)
        }
        var groups: [String] = []
        for definition in definitions where !groups.contains(definition.group) { groups.append(definition.group) }
        for group in groups {
            lines.append("")
            lines.append("\(group):")
            for definition in definitions where definition.group == group {
                lines.append(contentsOf: entry(definition))
            }
        }
        if !footer.isEmpty {
            lines.append("")
            lines.append(contentsOf: footer)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static let helpColumn = 32

    private func entry(_ definition: OptionDefinition) -> [String] {
        var left = "  "
        if let short = definition.short { left += "-\(short), " } else { left += "    " }
        left += "--\(definition.name)"
        switch definition.argument {
        case .none: break
        case .required(let valueName): left += "=\(valueName)"
        case .optional(let valueName): left += "[=\(valueName)]"
        }
        var help = definition.help
        if let value = definition.defaultValue { help += " (Default: \(value))" }
        let wrapped = Self.wrap(help, width: 100 - Self.helpColumn)
        var lines: [String] = []
        if left.count < Self.helpColumn {
            lines.append(left.padding(toLength: Self.helpColumn) + (wrapped.first ?? ""))
        } else {
            lines.append(left)
            lines.append(String(repeating: " ", count: Self.helpColumn) + (wrapped.first ?? ""))
        }
        for line in wrapped.dropFirst() { lines.append(String(repeating: " ", count: Self.helpColumn) + line) }
        return lines
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
