#if canImport(Glibc)
import Glibc
#endif

/// The fixed SQL text around the data, worded and spaced exactly as mariadb-dump 10.11 writes
/// it, so a swiftdump file and a mariadb-dump file differ only in the tool's name and the date.
struct DumpText {
    let options: DumpOptions

    /// A name in a statement: quoted unless --skip-quote-names.
    func name(_ name: String) -> String {
        options.quoteNames ? SQLQuoting.identifier(name) : name
    }

    /// A `--` comment block, written only with --comments.
    func comment(_ text: String) -> String {
        options.comments ? text : ""
    }

    /// A name inside a comment: always quoted, newlines continued as comments.
    func commentName(_ name: String) -> String {
        SQLQuoting.forComment(SQLQuoting.identifier(name))
    }

    /// The sandbox-mode line the MariaDB client honours (it refuses `\!` shell escapes after it).
    static let sandboxLine = "/*M!999999\\- enable the sandbox mode */ \n"

    func header(host: String, serverInfo: String) -> String {
        var text = Self.sandboxLine
        guard !options.compact else { return text }
        text += comment("-- \(SwiftDumpVersion.line(program: "swiftdump"))\n--\n")
        text += comment("-- Host: \(SQLQuoting.forComment(host))    Database: \(SQLQuoting.forComment(options.headerDatabase))\n")
        text += comment("-- ------------------------------------------------------\n")
        text += comment("-- Server version\t\(serverInfo)\n")
        if options.setCharset {
            text += """

                /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
                /*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
                /*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
                /*!40101 SET NAMES \(options.characterSet) */;

                """
        }
        if options.tzUTC {
            text += "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n"
        }
        if !options.noCreateInfo {
            text += "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
        }
        text += "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
        text += "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
        text += "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n"
        return text
    }

    /// The session settings at the top of every file of a directory dump: each file loads on
    /// its own, in any session, in any order within its kind.
    func fileSessionHeader() -> String {
        var text = ""
        if options.setCharset { text += "/*!40101 SET NAMES \(options.characterSet) */;\n" }
        if options.tzUTC { text += "/*!40103 SET TIME_ZONE='+00:00' */;\n" }
        text += "/*!40014 SET UNIQUE_CHECKS=0, FOREIGN_KEY_CHECKS=0 */;\n"
        text += "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
        text += "/*!40111 SET SQL_NOTES=0 */;\n"
        return text
    }

    func footer(date: String) -> String {
        guard !options.compact else { return "" }
        var text = ""
        if options.tzUTC { text += "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n" }
        text += "\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
        text += "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
        if !options.noCreateInfo { text += "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n" }
        if options.setCharset {
            text += """
                /*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
                /*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
                /*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;

                """
        }
        text += "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n"
        text += comment(options.dumpDate ? "-- Dump completed on \(date)\n" : "-- Dump completed\n")
        return text
    }

    /// The binary log position (`--master-data`), before the first database.
    func replicationPosition(file: String, position: String, gtid: String) -> String {
        let commented = options.masterData == 2 ? "-- " : ""
        let alternately = """

            --
            -- Alternately, following is the position of the binary logging from SHOW MASTER STATUS at point of backup.
            -- Use this when creating a slave of the master server where the backup was made.
            -- The new server will be connecting to the master server where the backup was taken.
            --


            """
        let change = "CHANGE MASTER TO MASTER_LOG_FILE='\(file)', MASTER_LOG_POS=\(position);\n"
        if options.gtid {
            return "\(commented)CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n"
                + "\n-- A corresponding to the above master-data CHANGE-MASTER settings to the slave gtid state is printed later in the file.\n"
                + alternately + "-- " + change
        }
        return alternately + commented + change
            + "\n-- A corresponding to the above master-data CHANGE-MASTER settings to the slave gtid state is printed as comments later in the file.\n"
    }

    /// The GTID position (`--master-data`), after the last database.
    func deferredGTID(_ gtid: String) -> String {
        let commented = options.gtid && options.masterData == 1 ? "" : "-- "
        return "\n-- The deferred gtid setting for slave corresponding to the master-data CHANGE-MASTER follows\n"
            + "\n-- Preferably use GTID to start replication from GTID position:\n\n"
            + "\(commented)SET GLOBAL gtid_slave_pos='\(gtid)';\n"
    }

    /// CREATE DATABASE and USE, for --databases and --all-databases.
    func databasePreamble(_ database: String, createStatement: [UInt8]?) -> String {
        var text = "\n" + comment("--\n-- Current Database: \(commentName(database))\n--\n\n")
        if options.addDropDatabase && createStatement != nil {
            text += "/*!40000 DROP DATABASE IF EXISTS \(name(database))*/;\n\n"
        }
        if let createStatement {
            var statement = String(decoding: createStatement, as: UTF8.self)
            let prefix = "CREATE DATABASE "
            if statement.hasPrefix(prefix) {
                statement = prefix + "/*!32312 IF NOT EXISTS*/ " + statement.dropFirst(prefix.count)
            }
            text += statement + ";\n\n"
        }
        return text + "USE \(name(database));\n"
    }

    func tableStructureHeading(_ table: String) -> String {
        comment("\n--\n-- Table structure for table \(commentName(table))\n--\n\n")
    }

    /// The CREATE TABLE block: mariadb-dump wraps it in a character_set_client switch.
    func createTable(_ statement: [UInt8], table: String, dropFirst: Bool = true) -> [UInt8] {
        var text = ""
        if options.addDropTable && dropFirst { text += "DROP TABLE IF EXISTS \(name(table));\n" }
        text += "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
        text += "/*!40101 SET character_set_client = utf8mb4 */;\n"
        return Array(text.utf8) + statement + Array(";\n/*!40101 SET character_set_client = @saved_cs_client */;\n".utf8)
    }

    func sequence(_ sequence: String, createStatement: [UInt8], nextValue: String?) -> [UInt8] {
        var text = comment("\n--\n-- Sequence structure for \(commentName(sequence))\n--\n\n")
        if options.addDropTable { text += "DROP SEQUENCE IF EXISTS \(name(sequence));\n" }
        var bytes = Array(text.utf8) + createStatement + Array(";\n".utf8)
        if let nextValue { bytes += Array("DO SETVAL(\(name(sequence)), \(nextValue), 0);\n".utf8) }
        return bytes
    }

    /// The lines before a table's rows. `lock` is false for a table whose DEFAULT draws from a
    /// sequence: under LOCK TABLES its INSERTs would fail (error 1100, the sequence not locked).
    func dataHeading(_ table: String, orderBy: String?, lock: Bool = true, history: Bool = false) -> String {
        var text = comment("\n--\n-- Dumping data for table \(commentName(table))\n--\n")
        if let condition = options.whereCondition { text += comment("-- WHERE:  \(SQLQuoting.forComment(condition))\n") }
        if let orderBy { text += comment("-- ORDER BY:  \(SQLQuoting.forComment(orderBy))\n") }
        if !options.compact { text += "\n" }
        if history {
            text += "/*M!101100 SET @old_system_versioning_insert_history=@@session.system_versioning_insert_history, @@session.system_versioning_insert_history=1 */;\n"
        }
        if options.noAutocommit { text += "SET @OLD_AUTOCOMMIT=@@AUTOCOMMIT, @@AUTOCOMMIT=0;\n" }
        if options.addLocks && lock { text += "LOCK TABLES \(name(table)) WRITE;\n" }
        if options.disableKeys { text += "/*!40000 ALTER TABLE \(name(table)) DISABLE KEYS */;\n" }
        return text
    }

    /// The lines after a table's rows.
    func dataTrailer(_ table: String, lock: Bool = true, history: Bool = false) -> String {
        var text = ""
        if options.disableKeys { text += "/*!40000 ALTER TABLE \(name(table)) ENABLE KEYS */;\n" }
        if options.addLocks && lock { text += "UNLOCK TABLES;\n" }
        if options.noAutocommit { text += "COMMIT;\nSET AUTOCOMMIT=@OLD_AUTOCOMMIT;\n" }
        if history { text += "/*M!101100 SET system_versioning_insert_history=@old_system_versioning_insert_history */;\n" }
        return text
    }

    /// The start of every INSERT: verb, table, column list when needed.
    /// `extraColumns` are written as they are (the implicit `row_start, row_end`).
    func insertStart(_ table: String, columns: [String], withColumnList: Bool, extraColumns: String = "") -> [UInt8] {
        var text = options.replace ? "REPLACE " : "INSERT "
        if options.insertIgnore { text += "IGNORE " }
        text += "INTO \(name(table))"
        if withColumnList {
            text += " (" + columns.map(name).joined(separator: ", ") + extraColumns + ") VALUES "
        } else {
            text += options.extendedInsert ? " VALUES\n" : " VALUES "
        }
        return Array(text.utf8)
    }

    /// The `SET` lines that give a trigger, routine or event its own character set, ended by
    /// `delimiter` (events are written inside a DELIMITER block).
    static func characterSetSwitch(client: String, collation: String, delimiter: String = ";") -> String {
        """
        /*!50003 SET @saved_cs_client      = @@character_set_client */ \(delimiter)
        /*!50003 SET @saved_cs_results     = @@character_set_results */ \(delimiter)
        /*!50003 SET @saved_col_connection = @@collation_connection */ \(delimiter)
        /*!50003 SET character_set_client  = \(client) */ \(delimiter)
        /*!50003 SET character_set_results = \(client) */ \(delimiter)
        /*!50003 SET collation_connection  = \(collation) */ \(delimiter)

        """
    }

    static func characterSetRestore(delimiter: String = ";") -> String {
        """
        /*!50003 SET character_set_client  = @saved_cs_client */ \(delimiter)
        /*!50003 SET character_set_results = @saved_cs_results */ \(delimiter)
        /*!50003 SET collation_connection  = @saved_col_connection */ \(delimiter)

        """
    }

    static func sqlModeSwitch(_ mode: String, delimiter: String = ";") -> String {
        "/*!50003 SET @saved_sql_mode       = @@sql_mode */ \(delimiter)\n/*!50003 SET sql_mode              = '\(mode)' */ \(delimiter)\n"
    }

    static func sqlModeRestore(delimiter: String = ";") -> String {
        "/*!50003 SET sql_mode              = @saved_sql_mode */ \(delimiter)\n"
    }

    /// A trigger as mariadb-dump writes it, after its table's data (row of SHOW CREATE TRIGGER).
    func trigger(name triggerName: String, sqlMode: String, statement: [UInt8], client: String, collation: String) -> [UInt8] {
        var text = Self.characterSetSwitch(client: client, collation: collation) + Self.sqlModeSwitch(sqlMode)
        if options.addDropTrigger { text += "/*!50032 DROP TRIGGER IF EXISTS \(name(triggerName)) */;\n" }
        text += "DELIMITER ;;\n/*!50003 "
        var bytes = Array(text.utf8)
        let statement = options.skipDefiner ? Self.removingDefiner(statement) : statement
        bytes += Self.coverDefiner(statement, definerVersion: "50017", statementVersion: "50003", keyword: " TRIGGER")
        // The closing comment on its own line: a body ending in a `--` comment must not swallow it.
        bytes += Array(" \n*/;;\nDELIMITER ;\n".utf8)
        bytes += Array((Self.sqlModeRestore() + Self.characterSetRestore()).utf8)
        return bytes
    }

    /// `statement` without its `DEFINER=user@host` clause (--skip-definer): the object is then
    /// created with the loading account as its definer.
    static func removingDefiner(_ statement: [UInt8]) -> [UInt8] {
        guard let definer = statement.firstRange(of: Array(" DEFINER=".utf8)) else { return statement }
        var index = definer.upperBound
        // user@host, each part quoted with ` or ' (doubled inside) or bare.
        for part in 0..<2 {
            if index < statement.count, statement[index] == UInt8(ascii: "`") || statement[index] == UInt8(ascii: "'") {
                let quote = statement[index]
                index += 1
                while index < statement.count {
                    if statement[index] == quote {
                        if index + 1 < statement.count && statement[index + 1] == quote { index += 2; continue }
                        index += 1
                        break
                    }
                    index += 1
                }
            } else {
                while index < statement.count && statement[index] != UInt8(ascii: "@") && statement[index] != UInt8(ascii: " ") { index += 1 }
            }
            if part == 0 && index < statement.count && statement[index] == UInt8(ascii: "@") { index += 1 } else { break }
        }
        return Array(statement[..<definer.lowerBound]) + Array(statement[index...])
    }

    /// Puts `DEFINER=...` in its own versioned comment, as mariadb-dump does, so servers that
    /// do not know DEFINER skip it: `CREATE DEFINER=x TRIGGER t` becomes
    /// `CREATE*/ /*!50017 DEFINER=x*/ /*!50003 TRIGGER t`.
    static func coverDefiner(_ statement: [UInt8], definerVersion: String, statementVersion: String, keyword: String) -> [UInt8] {
        guard let definer = statement.firstRange(of: Array(" DEFINER".utf8)),
              let body = statement[definer.upperBound...].firstRange(of: Array(keyword.utf8)) else { return statement }
        return Array(statement[..<definer.lowerBound]) + Array("*/ /*!\(definerVersion)".utf8)
            + Array(statement[definer.lowerBound..<body.lowerBound]) + Array("*/ /*!\(statementVersion)".utf8)
            + Array(statement[body.lowerBound...])
    }

    /// A view's final definition (no placeholder table comes before it).
    func view(_ view: String, createStatement: [UInt8], client: String, collation: String) -> [UInt8] {
        // The DROP is written whatever --add-drop-table says, as mariadb-dump does.
        var text = comment("\n--\n-- Final view structure for view \(commentName(view))\n--\n\n")
        text += "/*!50001 DROP VIEW IF EXISTS \(name(view))*/;\n"
        text += """
            /*!50001 SET @saved_cs_client          = @@character_set_client */;
            /*!50001 SET @saved_cs_results         = @@character_set_results */;
            /*!50001 SET @saved_col_connection     = @@collation_connection */;
            /*!50001 SET character_set_client      = \(client) */;
            /*!50001 SET character_set_results     = \(client) */;
            /*!50001 SET collation_connection      = \(collation) */;

            """
        var bytes = Array(text.utf8)
        let createStatement = options.skipDefiner ? Self.removingDefiner(createStatement) : createStatement
        // CREATE ALGORITHM=... DEFINER=... SQL SECURITY ... VIEW `v` AS ...
        // Without a definer (--skip-definer) the middle comment holds SQL SECURITY alone.
        if let middle = createStatement.firstRange(of: Array(" DEFINER=".utf8)) ?? createStatement.firstRange(of: Array(" SQL SECURITY ".utf8)),
           let security = createStatement[middle.lowerBound...].firstRange(of: Array(" SQL SECURITY ".utf8)),
           let viewKeyword = createStatement[security.upperBound...].firstRange(of: Array(" VIEW ".utf8)) {
            bytes += Array("/*!50001 ".utf8) + createStatement[..<middle.lowerBound] + Array(" */\n".utf8)
            bytes += Array("/*!50013 ".utf8) + createStatement[(middle.lowerBound + 1)..<viewKeyword.lowerBound] + Array(" */\n".utf8)
            bytes += Array("/*!50001 ".utf8) + createStatement[(viewKeyword.lowerBound + 1)...] + Array(" */;\n".utf8)
        } else {
            bytes += Array("/*!50001 ".utf8) + createStatement + Array(" */;\n".utf8)
        }
        bytes += Array("""
            /*!50001 SET character_set_client      = @saved_cs_client */;
            /*!50001 SET character_set_results     = @saved_cs_results */;
            /*!50001 SET collation_connection      = @saved_col_connection */;

            """.utf8)
        return bytes
    }

    /// A routine (`-R`) as mariadb-dump writes it.
    func routine(kind: String, name routineName: String, sqlMode: String, statement: [UInt8], client: String, collation: String) -> [UInt8] {
        var text = Self.sqlModeSwitch(sqlMode)
        if options.addDropTable { text += "/*!50003 DROP \(kind) IF EXISTS \(name(routineName)) */;\n" }
        text += Self.characterSetSwitch(client: client, collation: collation)
        // mariadb-dump always uses ;; and writes an unloadable dump when the body contains it.
        let statement = options.skipDefiner ? Self.removingDefiner(statement) : statement
        let delimiter = Self.delimiter(avoiding: statement)
        text += "DELIMITER \(delimiter)\n"
        return Array(text.utf8) + statement + Array("\n\(delimiter)\nDELIMITER ;\n".utf8)
            + Array((Self.sqlModeRestore() + Self.characterSetRestore()).utf8)
    }

    /// An event (`-E`) in its own DELIMITER block, with the delimiter the event before it left
    /// in force for its DROP (as mariadb-dump writes them). Returns the delimiter now in force.
    func event(name eventName: String, sqlMode: String, timeZone: String, statement: [UInt8], client: String, collation: String,
               previousDelimiter: String) -> (bytes: [UInt8], delimiter: String) {
        var text = ""
        if options.addDropTable { text += "/*!50106 DROP EVENT IF EXISTS \(name(eventName)) */\(previousDelimiter)\n" }
        let statement = options.skipDefiner ? Self.removingDefiner(statement) : statement
        let delimiter = Self.delimiter(avoiding: statement)
        text += "DELIMITER \(delimiter)\n"
        text += Self.characterSetSwitch(client: client, collation: collation, delimiter: delimiter)
        text += Self.sqlModeSwitch(sqlMode, delimiter: delimiter)
        text += "/*!50003 SET @saved_time_zone      = @@time_zone */ \(delimiter)\n/*!50003 SET time_zone             = '\(timeZone)' */ \(delimiter)\n"
        var bytes = Array(text.utf8) + Array("/*!50106 ".utf8)
        bytes += Self.coverDefiner(statement, definerVersion: "50117", statementVersion: "50106", keyword: " EVENT")
        bytes += Array(" \n*/ \(delimiter)\n".utf8)
        bytes += Array("/*!50003 SET time_zone             = @saved_time_zone */ \(delimiter)\n".utf8)
        bytes += Array((Self.sqlModeRestore(delimiter: delimiter) + Self.characterSetRestore(delimiter: delimiter)).utf8)
        return (bytes, delimiter)
    }

    /// `;;`, or as many semicolons more as it takes not to occur in `statement`.
    static func delimiter(avoiding statement: [UInt8]) -> String {
        var delimiter = ";;"
        while statement.firstRange(of: Array(delimiter.utf8)) != nil { delimiter += ";" }
        return delimiter
    }

    /// The local date and time as mariadb-dump prints it: 2024-01-31 23:59:59.
    static func localDate() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
