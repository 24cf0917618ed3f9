/// Which of a directory dump's session SETs a connection can leave out.
///
/// Every file of a directory dump begins with the same SET statements (the dump's session
/// header), and every loading connection ran them once when it connected. Sent again for each
/// file they cost a round trip apiece: five a file, ten a table, most of what a directory
/// restore of many small tables sends beyond a stream's. ``SessionHeader`` follows one file on
/// one connection: a leading SET that is the header's next statement, byte for byte, is left
/// out while the header is in effect; the header stays in effect after the file if every
/// system variable the file's other statements set is one it set back from a user variable it
/// had saved from that same variable (mariadb-dump's `SET @saved_cs_client =
/// @@character_set_client` ... `SET character_set_client = @saved_cs_client`). Anything it
/// cannot follow (a SET it cannot parse, a server-wide statement, a failure) leaves the header
/// not in effect, and the next file's header is sent as written.
struct SessionHeader {
    /// The header, as each connection ran it when it connected.
    let statements: [[UInt8]]
    /// The header is in effect on the connection as the file begins.
    private let wasInEffect: Bool
    /// Leading statements that were the header's, in order.
    private var matched = 0
    private var leading = true
    private var unknown = false
    /// System variables set and not set back.
    private var changed: Set<String> = []
    /// User variables holding a system variable's value, saved in this file: name → variable.
    private var saved: [String: String] = [:]

    init(_ statements: [[UInt8]], inEffect: Bool) {
        self.statements = statements
        self.wasInEffect = inEffect
    }

    /// Whether `bytes` (classified `role`) can be left out; otherwise notes what it changes.
    mutating func leavesOut(_ bytes: [UInt8], role: StatementRole) -> Bool {
        if leading, case .session = role, matched < statements.count, statements[matched] == bytes {
            matched += 1
            return wasInEffect
        }
        leading = false
        switch role {
        case .session:
            note(SetStatement.assignments(bytes))
        case .global:
            unknown = true
        default:
            break
        }
        return false
    }

    private mutating func note(_ assignments: [(String, SetStatement.Value)]?) {
        guard let assignments, !assignments.isEmpty else {
            unknown = true
            return
        }
        for (name, value) in assignments {
            if name.hasPrefix("@") {
                // A value saved after the variable changed is not the header's.
                saved[name] = value.systemVariable.flatMap { changed.contains($0) ? nil : $0 }
            } else if let user = value.userVariable, saved[user] == name, !Self.setsAnother.contains(name) {
                changed.remove(name)
            } else {
                changed.insert(name)
            }
        }
    }

    /// Variables whose assignment also sets another one (a character set resets its collation
    /// to the set's default): setting them back from a saved value need not restore both.
    private static let setsAnother: Set<String> = ["character_set_connection", "character_set_database", "character_set_server"]

    /// Whether the header is in effect once the whole file has run without a failure.
    var inEffectAfter: Bool {
        (wasInEffect || matched == statements.count) && changed.isEmpty && !unknown
    }
}
