@testable import SwiftDumpCore
import Testing

/// Which SETs of a directory dump's file a connection leaves out, without a server.
@Suite("SessionHeader: a directory file's session SETs, sent only when they change something")
struct SessionHeaderTests {
    /// A directory file's header as swiftdump writes it.
    static let header = [
        "/*!40101 SET NAMES utf8mb4 */",
        "/*!40103 SET TIME_ZONE='+00:00' */",
        "/*!40014 SET UNIQUE_CHECKS=0, FOREIGN_KEY_CHECKS=0 */",
        "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */",
        "/*!40111 SET SQL_NOTES=0 */",
    ].map { Array($0.utf8) }

    /// Runs `statements` through a fresh tracker; returns those sent and whether the header
    /// is in effect afterwards.
    static func run(_ statements: [String], inEffect: Bool) -> (sent: [String], inEffectAfter: Bool) {
        var tracker = SessionHeader(header, inEffect: inEffect)
        var sent: [String] = []
        for statement in statements {
            let bytes = Array(statement.utf8)
            let role = StatementClassifier.classify(bytes)
            if role != .skip, tracker.leavesOut(bytes, role: role) { continue }
            sent.append(statement)
        }
        return (sent, tracker.inEffectAfter)
    }

    static let headerText = header.map { String(decoding: $0, as: UTF8.self) }
    /// A schema file's body: the character set saved, set, and set back.
    static let schemaBody = [
        "/*!40101 SET @saved_cs_client     = @@character_set_client */",
        "/*!40101 SET character_set_client = utf8mb4 */",
        "CREATE TABLE `t` (`id` int(11) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB",
        "/*!40101 SET character_set_client = @saved_cs_client */",
    ]

    @Test("the header is left out while in effect; a body that sets back what it set keeps it in effect")
    func leftOutWhileInEffect() {
        let result = Self.run(Self.headerText + Self.schemaBody, inEffect: true)
        #expect(result.sent == Self.schemaBody)
        #expect(result.inEffectAfter)
        let rows = Self.run(Self.headerText + ["INSERT INTO `t` VALUES (1),(2)"], inEffect: true)
        #expect(rows.sent == ["INSERT INTO `t` VALUES (1),(2)"])
        #expect(rows.inEffectAfter)
    }

    @Test("not in effect: the header is sent, and is in effect afterwards once all of it ran")
    func sentWhenNotInEffect() {
        let result = Self.run(Self.headerText + Self.schemaBody, inEffect: false)
        #expect(result.sent == Self.headerText + Self.schemaBody)
        #expect(result.inEffectAfter)
        let partial = Self.run(Array(Self.headerText.prefix(2)) + ["INSERT INTO `t` VALUES (1)"], inEffect: false)
        #expect(partial.sent.count == 3)
        #expect(!partial.inEffectAfter, "only part of the header ran")
    }

    @Test("a variable set and not set back, set back from the wrong variable, or changed by a statement it cannot follow: the header is no longer in effect")
    func changesEndIt() {
        let cases: [[String]] = [
            ["/*!40101 SET character_set_client = utf8mb4 */"],
            ["SET NAMES latin1"],
            ["SET @saved = @@sql_mode", "SET character_set_client = @saved"],
            ["SET character_set_client = utf8mb4", "SET character_set_client = @never_saved"],
            ["SET @@session.sql_mode = ''"],
            ["SET GLOBAL max_connections = 10"],
        ]
        for body in cases {
            let result = Self.run(Self.headerText + body, inEffect: true)
            #expect(result.sent == body, "\(body)")
            #expect(!result.inEffectAfter, "\(body)")
        }
        // A header SET changed after the header is seen as a change, not as the header.
        let later = Self.run(Self.headerText + ["INSERT INTO `t` VALUES (1)", Self.headerText[3]], inEffect: true)
        #expect(later.sent == ["INSERT INTO `t` VALUES (1)", Self.headerText[3]])
        #expect(!later.inEffectAfter)
    }

    @Test("a file whose header differs sends it from the first difference on")
    func differentHeader() {
        let other = [Self.headerText[0], "/*!40103 SET TIME_ZONE='+02:00' */"] + Self.headerText.dropFirst(2)
        let result = Self.run(other + ["INSERT INTO `t` VALUES (1)"], inEffect: true)
        #expect(result.sent == Array(other.dropFirst()) + ["INSERT INTO `t` VALUES (1)"])
        #expect(!result.inEffectAfter)
    }

    @Test("user variables saved and restored inside the file keep the header in effect; the saved value is the header's")
    func savedAndRestored() {
        let body = [
            "/*!50003 SET @saved_sql_mode       = @@sql_mode */",
            "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES' */",
            "/*!50003 SET @saved_col_connection = @@collation_connection */",
            "/*!50003 SET collation_connection  = utf8mb4_general_ci */",
            "CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.id = NEW.id + 1",
            "/*!50003 SET sql_mode              = @saved_sql_mode */",
            "/*!50003 SET collation_connection  = @saved_col_connection */",
        ]
        let result = Self.run(Self.headerText + body, inEffect: true)
        #expect(result.sent == body)
        #expect(result.inEffectAfter)
        // Saved after it changed: setting it back restores the change, not the header.
        let savedLate = Self.run(Self.headerText + [body[1], body[0], body[5]], inEffect: true)
        #expect(!savedLate.inEffectAfter)
        // A character set set back from its saved value may leave its collation changed.
        let coupled = Self.run(Self.headerText + ["SET @cs = @@character_set_connection", "SET character_set_connection = latin1",
                                                  "SET character_set_connection = @cs"], inEffect: true)
        #expect(!coupled.inEffectAfter)
        // Saved again from another variable before it is used: not the one set back.
        let overwritten = Self.run(Self.headerText + [body[0], body[1], "SET @saved_sql_mode = @@time_zone", body[5]], inEffect: true)
        #expect(!overwritten.inEffectAfter)
    }

    @Test("a statement naming unique_checks in any case makes the session's unique checks unknown; others do not")
    func uniqueChecksNamed() {
        for text in ["/*!40014 SET UNIQUE_CHECKS=0, FOREIGN_KEY_CHECKS=0 */", "SET unique_checks = @OLD_UNIQUE_CHECKS", "set Unique_Checks=1"] {
            #expect(WorkerSession.namesUniqueChecks(Array(text.utf8)), "\(text)")
        }
        for text in ["SET FOREIGN_KEY_CHECKS=0", "SET uniqueXchecks=1", "CREATE TABLE t (unique_check INT)", ""] {
            #expect(!WorkerSession.namesUniqueChecks(Array(text.utf8)), "\(text)")
        }
    }
}

/// Which character set SETs a connection leaves out because they would change nothing.
@Suite("KnownSettings: SETs that change nothing the session holds are not sent")
struct KnownSettingsTests {
    /// Runs `statements` through `settings`; returns those sent.
    static func sent(_ statements: [String], _ settings: inout KnownSettings) -> [String] {
        statements.filter { statement in
            let bytes = Array(statement.utf8)
            return !settings.leavesOut(bytes, role: StatementClassifier.classify(bytes))
        }
    }

    @Test("mariadb-dump's SETs around each CREATE TABLE: sent while they may change something, then left out")
    func aroundEachTable() {
        var settings = KnownSettings()
        #expect(Self.sent(["/*!40101 SET NAMES utf8mb4 */"], &settings).count == 1)
        let body = SessionHeaderTests.schemaBody
        // The first table saves the variable (nothing known of @saved_cs_client yet); the SETs
        // to utf8mb4 and back change nothing.
        #expect(Self.sent(body, &settings) == [body[0], body[2]])
        #expect(Self.sent(body, &settings) == [body[2]])
        // A table in another character set: set, and set back.
        let latin = ["SET character_set_client = latin1", "CREATE TABLE x (a int)", "SET character_set_client = @saved_cs_client"]
        #expect(Self.sent(latin, &settings) == latin)
        #expect(Self.sent(["SET character_set_client = 'UTF8MB4'"], &settings).isEmpty, "names are compared without case")
        #expect(Self.sent(["SET @saved_cs_client = 'x', character_set_results = utf8mb4"], &settings).count == 1)
    }

    @Test("whatever it cannot follow forgets what it knew")
    func forgets() {
        let repeated = "SET character_set_client = utf8mb4"
        for breaker in ["SET NAMES utf8mb4 COLLATE utf8mb4_bin", "SET CHARACTER SET latin1", "SET @@GLOBAL.character_set_client = latin1",
                        "CREATE DEFINER=`root`@`%` PROCEDURE p() SET @x = 1", "SET character_set_client = DEFAULT",
                        "SET @a = 1, " + String(repeating: "@b = 2, ", count: 30) + "character_set_client = latin1"] {
            var settings = KnownSettings()
            #expect(Self.sent(["SET NAMES utf8mb4", repeated, repeated], &settings).count == 1)
            #expect(Self.sent([breaker, repeated], &settings) == [breaker, repeated], "\(breaker)")
        }
        var settings = KnownSettings()
        _ = Self.sent(["SET NAMES utf8mb4"], &settings)
        settings.forget()
        #expect(Self.sent([repeated], &settings) == [repeated])
        // Other session variables are sent every time, and leave the character sets known.
        #expect(Self.sent(["SET SQL_MODE = ''", "SET SQL_MODE = ''", repeated, repeated], &settings) == ["SET SQL_MODE = ''", "SET SQL_MODE = ''"])
    }
}
