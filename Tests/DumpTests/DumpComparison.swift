import TestSupport

/// Compares a swiftdump output with mariadb-dump's, line by line as bytes, after removing what
/// may differ: the tool's name line, the date line, and the view placeholder tables that
/// mariadb-dump writes and swiftdump does not (it writes views once, in dependency order).
enum DumpComparison {
    typealias Line = ArraySlice<UInt8>

    static func lines(_ bytes: [UInt8]) -> [Line] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }

    static func text(_ line: Line) -> String { String(decoding: line, as: UTF8.self) }

    /// Replaces the lines that legitimately differ with fixed markers; with `positions`, also
    /// the binary log coordinates, which move when anything else writes between two dumps.
    static func normalized(_ lines: [Line], positions: Bool = false) -> [Line] {
        lines.map { line in
            let text = self.text(line.prefix(40))
            if text.hasPrefix("-- MariaDB dump ") || text.hasPrefix("-- swiftdump ") { return Array("-- TOOL".utf8)[...] }
            if text.hasPrefix("-- Dump completed on ") { return Array("-- Dump completed on DATE".utf8)[...] }
            if positions {
                let full = self.text(line)
                if full.contains("MASTER_LOG_FILE=") {
                    let prefix = full.prefix { $0 != "C" }
                    return Array((prefix + "CHANGE MASTER TO MASTER_LOG_FILE=F, MASTER_LOG_POS=P;").utf8)[...]
                }
                if let range = full.range(of: "gtid_slave_pos='") {
                    return Array((full[..<range.upperBound] + "G';").utf8)[...]
                }
            }
            return line
        }
    }

    /// mariadb-dump's output without its view placeholders: the block that creates a stand-in
    /// for each view (`/*!50001 CREATE VIEW `v` AS SELECT` followed by `1 AS`/`NULL AS` lines),
    /// with its heading, DROPs and character-set lines.
    static func withoutPlaceholders(_ lines: [Line]) -> [Line] {
        var result: [Line] = []
        var index = 0
        while index < lines.count {
            let line = text(lines[index])
            guard line.hasPrefix("/*!50001 CREATE VIEW "), line.hasSuffix(" AS SELECT") else {
                result.append(lines[index])
                index += 1
                continue
            }
            // Drop what precedes it in the block (already copied): back to the heading.
            let prefixes = ["SET character_set_client = ", "SET @saved_cs_client ", "/*!50001 DROP VIEW IF EXISTS", "DROP TABLE IF EXISTS",
                            "", "--", "-- Temporary table structure for view"]
            while let last = result.last, prefixes.contains(where: { text(last).hasPrefix($0) && ($0 != "" || last.isEmpty) && ($0 != "--" || text(last) == "--") }) {
                result.removeLast()
                if text(last).hasPrefix("-- Temporary table structure") {
                    // The heading's own leading "--" and blank line.
                    if let previous = result.last, text(previous) == "--" { result.removeLast() }
                    if let previous = result.last, previous.isEmpty { result.removeLast() }
                    break
                }
            }
            // Skip the placeholder through its closing character-set line.
            while index < lines.count && !text(lines[index]).hasPrefix("SET character_set_client = @saved_cs_client;") { index += 1 }
            index += 1
        }
        return result
    }

    /// nil when equal; otherwise where and how they first differ.
    static func difference(expected: [UInt8], actual: [UInt8], positions: Bool = false) -> String? {
        let expectedLines = withoutPlaceholders(normalized(lines(expected), positions: positions))
        let actualLines = normalized(lines(actual), positions: positions)
        for index in 0..<max(expectedLines.count, actualLines.count) {
            let left = index < expectedLines.count ? expectedLines[index] : nil
            let right = index < actualLines.count ? actualLines[index] : nil
            if left != right {
                func show(_ line: Line?) -> String { line.map { String(reflecting: text($0.prefix(200))) } ?? "(end of output)" }
                let context = expectedLines[max(0, index - 3)..<min(index, expectedLines.count)].map { "    " + text($0.prefix(120)) }.joined(separator: "\n")
                return "first difference at line \(index + 1) (after:\n\(context))\n  mariadb-dump: \(show(left))\n  swiftdump:    \(show(right))"
            }
        }
        return nil
    }
}
