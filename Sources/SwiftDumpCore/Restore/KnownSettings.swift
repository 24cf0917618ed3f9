/// The character set variables a loading connection is known to hold, and the user variables
/// saved from them, so that a SET which would change nothing is not sent.
///
/// mariadb-dump wraps every CREATE TABLE in `SET @saved_cs_client = @@character_set_client`,
/// `SET character_set_client = utf8mb4` and `SET character_set_client = @saved_cs_client`: on a
/// session already in utf8mb4 three round trips a table that change nothing, half of what a
/// stream restore of many small tables sends. Only `character_set_client`,
/// `character_set_results` (setting either sets nothing else) and user variables are followed;
/// a statement that could change them in a way not followed (SET NAMES with a collation, SET
/// CHARACTER SET, a server-wide statement, an object, a failure, rows into a table that may
/// have triggers) forgets everything, and the SETs after it are sent as written.
struct KnownSettings {
    /// Variable (lowercased; user variables with their @) → value, ASCII lowercased.
    private var values: [String: [UInt8]] = [:]

    private static let followed: Set<String> = ["character_set_client", "character_set_results"]
    /// Names of SET forms that set the character set variables together.
    private static let setsCharacterSets: Set<String> = ["names", "character", "charset"]

    /// Whether `statement` (classified `role`) would change nothing the session is known to
    /// hold, and can be left out. Otherwise notes what it sets, as it is about to run.
    mutating func leavesOut(_ statement: [UInt8], role: StatementRole) -> Bool {
        switch role {
        case .session:
            // Longer than this, a SET may have more assignments than the parser reads.
            guard statement.count < 160, let assignments = SetStatement.assignments(statement), !assignments.isEmpty else {
                values = [:]
                return false
            }
            var after = values
            var changes = false
            for (name, value) in assignments {
                let new = known(value, in: after)
                if Self.setsCharacterSets.contains(name) {
                    // SET NAMES x: client and results become x (and the connection's, not followed).
                    changes = true
                    for variable in Self.followed { after[variable] = name == "names" ? new : nil }
                } else if name.hasPrefix("@") || Self.followed.contains(name) {
                    if let new, after[name] == new { continue }
                    changes = true
                    after[name] = new
                } else {
                    changes = true
                }
            }
            values = after
            return !changes
        case .global, .object:
            values = [:]
            return false
        case .skip, .use, .database, .table:
            return false
        }
    }

    /// Forgets everything (a statement failed, or may have run code that sets variables).
    mutating func forget() { values = [:] }

    /// The value `value` stands for, if known: a literal, a word (not DEFAULT), or a variable
    /// whose value is known.
    private func known(_ value: SetStatement.Value, in values: [String: [UInt8]]) -> [UInt8]? {
        if let literal = value.literal { return literal.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        if let word = value.word { return word == Array("default".utf8) ? nil : word }
        if let user = value.userVariable { return values[user] }
        if let system = value.systemVariable { return values[system] }
        return nil
    }
}
