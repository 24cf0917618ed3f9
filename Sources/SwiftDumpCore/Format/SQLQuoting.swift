/// How names and comments are written into SQL text.
enum SQLQuoting {
    /// `name` as a backtick-quoted identifier, backticks doubled: `` `back``tick` ``.
    static func identifier(_ name: String) -> String {
        "`" + name.replacing("`", with: "``") + "`"
    }

    /// `name` as a single-quoted string literal for `WHERE x = '...'` in catalog queries.
    static func literal(_ text: String) -> String {
        var quoted = "'"
        for character in text {
            switch character {
            case "'": quoted += "\\'"
            case "\\": quoted += "\\\\"
            case "\0": quoted += "\\0"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            default: quoted.append(character)
            }
        }
        return quoted + "'"
    }

    /// Text made safe inside a `--` comment line: a newline in a name starts a new comment
    /// line instead of ending the comment (mysqldump's fix_for_comment).
    static func forComment(_ text: String) -> String {
        text.replacing("\n", with: "\n-- ")
    }
}
