/// The fixed SQL text around the data, worded and spaced exactly as mariadb-dump 10.11 writes
/// it, so a swiftdump file and a mariadb-dump file differ only in the tool's name and the date.
struct DumpText {
    let options: DumpOptions

    /// A name in a statement: quoted unless --skip-quote-names.
    func name(_ name: SQLName) -> SQLText {
        "\(name: name, quoted: options.quoteNames)"
    }

    /// A `--` comment block, written only with --comments.
    func comment(_ text: SQLText) -> SQLText {
        options.comments ? text : SQLText()
    }

    /// A name inside a comment: always quoted, newlines continued as comments.
    func commentName(_ name: SQLName) -> SQLText {
        SQLText(bytes: SQLText.forComment(SQLText.identifier(name)))
    }

    /// Text inside a comment line.
    static func commentText(_ text: String) -> SQLText {
        SQLText(bytes: SQLText.forComment(Array(text.utf8)))
    }

    /// The sandbox-mode line the MariaDB client honours (it refuses `\\!` shell escapes after it).
    static let sandboxLine: SQLText = "/*M!999999\\- enable the sandbox mode */ \n"

    func header(host: String, serverInfo: String) -> SQLText {
        var text = Self.sandboxLine
        guard !options.compact else { return text }
        text += comment("-- \(sql: SQLText(verbatim: SwiftDumpVersion.line(program: "swiftdump")))\n--\n")
        text += comment("-- Host: \(sql: Self.commentText(host))    Database: \(sql: SQLText(bytes: SQLText.forComment(options.headerDatabase.bytes)))\n")
        text += comment("-- ------------------------------------------------------\n")
        text += comment("-- Server version\t\(sql: SQLText(verbatim: serverInfo))\n")
        if options.setCharset {
            text += """

                /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
                /*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
                /*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
                /*!40101 SET NAMES \(sql: SQLText(verbatim: options.characterSet)) */;

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
    func fileSessionHeader() -> SQLText {
        var text = SQLText()
        if options.setCharset { text += "/*!40101 SET NAMES \(sql: SQLText(verbatim: options.characterSet)) */;\n" }
        if options.tzUTC { text += "/*!40103 SET TIME_ZONE='+00:00' */;\n" }
        text += "/*!40014 SET UNIQUE_CHECKS=0, FOREIGN_KEY_CHECKS=0 */;\n"
        text += "/*!40101 SET SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
        text += "/*!40111 SET SQL_NOTES=0 */;\n"
        return text
    }

    func footer(date: String) -> SQLText {
        guard !options.compact else { return SQLText() }
        var text = SQLText()
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
        text += comment(options.dumpDate ? "-- Dump completed on \(sql: SQLText(verbatim: date))\n" : "-- Dump completed\n")
        return text
    }

    /// The binary log position (`--master-data`), before the first database.
    func replicationPosition(_ position: LogPosition) -> SQLText {
        let commented: SQLText = options.masterData == 2 ? "-- " : ""
        let alternately: SQLText = """

            --
            -- Alternately, following is the position of the binary logging from SHOW MASTER STATUS at point of backup.
            -- Use this when creating a slave of the master server where the backup was made.
            -- The new server will be connecting to the master server where the backup was taken.
            --


            """
        let change: SQLText = "CHANGE MASTER TO MASTER_LOG_FILE=\(literal: position.file), MASTER_LOG_POS=\(sql: SQLText(verbatim: position.position));\n"
        if options.gtid {
            return "\(sql: commented)CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n"
                + "\n-- A corresponding to the above master-data CHANGE-MASTER settings to the slave gtid state is printed later in the file.\n"
                + alternately + "-- " + change
        }
        return alternately + commented + change
            + "\n-- A corresponding to the above master-data CHANGE-MASTER settings to the slave gtid state is printed as comments later in the file.\n"
    }

    /// The GTID position (`--master-data`), after the last database.
    func deferredGTID(_ gtid: String) -> SQLText {
        let commented: SQLText = options.gtid && options.masterData == 1 ? "" : "-- "
        return "\n-- The deferred gtid setting for slave corresponding to the master-data CHANGE-MASTER follows\n"
            + "\n-- Preferably use GTID to start replication from GTID position:\n\n"
            + "\(sql: commented)SET GLOBAL gtid_slave_pos=\(literal: gtid);\n"
    }

    /// CREATE DATABASE and USE, for --databases and --all-databases.
    func databasePreamble(_ database: SQLName, createStatement: [UInt8]?) -> SQLText {
        var text = "\n" + comment("--\n-- Current Database: \(sql: commentName(database))\n--\n\n")
        if options.addDropDatabase && createStatement != nil {
            text += "/*!40000 DROP DATABASE IF EXISTS \(sql: name(database))*/;\n\n"
        }
        if let createStatement {
            let prefix = Array("CREATE DATABASE ".utf8)
            if createStatement.starts(with: prefix) {
                text += "CREATE DATABASE /*!32312 IF NOT EXISTS*/ \(sql: Array(createStatement.dropFirst(prefix.count)));\n\n"
            } else {
                text += "\(sql: createStatement);\n\n"
            }
        }
        return text + "USE \(sql: name(database));\n"
    }

    func tableStructureHeading(_ table: SQLName) -> SQLText {
        comment("\n--\n-- Table structure for table \(sql: commentName(table))\n--\n\n")
    }

    /// The CREATE TABLE block: mariadb-dump wraps it in a character_set_client switch.
    func createTable(_ statement: [UInt8], table: SQLName, dropFirst: Bool = true) -> SQLText {
        var text = SQLText()
        if options.addDropTable && dropFirst { text += "DROP TABLE IF EXISTS \(sql: name(table));\n" }
        text += "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
        text += "/*!40101 SET character_set_client = utf8mb4 */;\n"
        return text + "\(sql: statement);\n/*!40101 SET character_set_client = @saved_cs_client */;\n"
    }

    func sequence(_ sequence: SQLName, createStatement: [UInt8], nextValue: String?) -> SQLText {
        var text = comment("\n--\n-- Sequence structure for \(sql: commentName(sequence))\n--\n\n")
        if options.addDropTable { text += "DROP SEQUENCE IF EXISTS \(sql: name(sequence));\n" }
        text += "\(sql: createStatement);\n"
        if let nextValue { text += "DO SETVAL(\(sql: name(sequence)), \(sql: SQLText(verbatim: nextValue)), 0);\n" }
        return text
    }

    /// The lines before a table's rows. `lock` is false for a table whose DEFAULT draws from a
    /// sequence: under LOCK TABLES its INSERTs would fail (error 1100, the sequence not locked).
    func dataHeading(_ table: SQLName, orderBy: SQLText?, lock: Bool = true, history: Bool = false) -> SQLText {
        var text = comment("\n--\n-- Dumping data for table \(sql: commentName(table))\n--\n")
        if let condition = options.whereCondition { text += comment("-- WHERE:  \(sql: Self.commentText(condition))\n") }
        if let orderBy { text += comment("-- ORDER BY:  \(sql: SQLText.forComment(orderBy.bytes))\n") }
        if !options.compact { text += "\n" }
        if history {
            text += "/*M!101100 SET @old_system_versioning_insert_history=@@session.system_versioning_insert_history, @@session.system_versioning_insert_history=1 */;\n"
        }
        if options.noAutocommit { text += "SET @OLD_AUTOCOMMIT=@@AUTOCOMMIT, @@AUTOCOMMIT=0;\n" }
        if options.addLocks && lock { text += "LOCK TABLES \(sql: name(table)) WRITE;\n" }
        if options.disableKeys { text += "/*!40000 ALTER TABLE \(sql: name(table)) DISABLE KEYS */;\n" }
        return text
    }

    /// The lines after a table's rows.
    func dataTrailer(_ table: SQLName, lock: Bool = true, history: Bool = false) -> SQLText {
        var text = SQLText()
        if options.disableKeys { text += "/*!40000 ALTER TABLE \(sql: name(table)) ENABLE KEYS */;\n" }
        if options.addLocks && lock { text += "UNLOCK TABLES;\n" }
        if options.noAutocommit { text += "COMMIT;\nSET AUTOCOMMIT=@OLD_AUTOCOMMIT;\n" }
        if history { text += "/*M!101100 SET system_versioning_insert_history=@old_system_versioning_insert_history */;\n" }
        return text
    }

    /// The start of every INSERT: verb, table, column list when needed.
    /// `extraColumns` are written as they are (the implicit `row_start, row_end`).
    func insertStart(_ table: SQLName, columns: [SQLName], withColumnList: Bool, extraColumns: SQLText = "") -> [UInt8] {
        var text: SQLText = options.replace ? "REPLACE " : "INSERT "
        if options.insertIgnore { text += "IGNORE " }
        text += "INTO \(sql: name(table))"
        if withColumnList {
            text += " (" + SQLText.joined(columns.map(name), separator: ", ") + extraColumns + ") VALUES "
        } else {
            text += options.extendedInsert ? " VALUES\n" : " VALUES "
        }
        return text.bytes
    }

    /// The `SET` lines that give a trigger, routine or event its own character set, ended by
    /// `delimiter` (events are written inside a DELIMITER block).
    static func characterSetSwitch(client: String, collation: String, delimiter: SQLText = ";") -> SQLText {
        let client = SQLText(verbatim: client), collation = SQLText(verbatim: collation)
        return """
            /*!50003 SET @saved_cs_client      = @@character_set_client */ \(sql: delimiter)
            /*!50003 SET @saved_cs_results     = @@character_set_results */ \(sql: delimiter)
            /*!50003 SET @saved_col_connection = @@collation_connection */ \(sql: delimiter)
            /*!50003 SET character_set_client  = \(sql: client) */ \(sql: delimiter)
            /*!50003 SET character_set_results = \(sql: client) */ \(sql: delimiter)
            /*!50003 SET collation_connection  = \(sql: collation) */ \(sql: delimiter)

            """
    }

    static func characterSetRestore(delimiter: SQLText = ";") -> SQLText {
        """
        /*!50003 SET character_set_client  = @saved_cs_client */ \(sql: delimiter)
        /*!50003 SET character_set_results = @saved_cs_results */ \(sql: delimiter)
        /*!50003 SET collation_connection  = @saved_col_connection */ \(sql: delimiter)

        """
    }

    static func sqlModeSwitch(_ mode: String, delimiter: SQLText = ";") -> SQLText {
        "/*!50003 SET @saved_sql_mode       = @@sql_mode */ \(sql: delimiter)\n/*!50003 SET sql_mode              = \(literal: mode) */ \(sql: delimiter)\n"
    }

    static func sqlModeRestore(delimiter: SQLText = ";") -> SQLText {
        "/*!50003 SET sql_mode              = @saved_sql_mode */ \(sql: delimiter)\n"
    }

    /// A trigger as mariadb-dump writes it, after its table's data (row of SHOW CREATE TRIGGER).
    func trigger(name triggerName: SQLName, sqlMode: String, statement: [UInt8], client: String, collation: String) -> SQLText {
        var text = Self.characterSetSwitch(client: client, collation: collation) + Self.sqlModeSwitch(sqlMode)
        if options.addDropTrigger { text += "/*!50032 DROP TRIGGER IF EXISTS \(sql: name(triggerName)) */;\n" }
        text += "DELIMITER ;;\n/*!50003 "
        let statement = options.skipDefiner ? DefinerClause.removed(from: statement) : statement
        text += "\(sql: DefinerClause.covered(statement, definerVersion: "50017", statementVersion: "50003", keyword: "TRIGGER"))"
        // The closing comment on its own line: a body ending in a `--` comment must not swallow it.
        text += " \n*/;;\nDELIMITER ;\n"
        return text + Self.sqlModeRestore() + Self.characterSetRestore()
    }

    /// A view's final definition (no placeholder table comes before it).
    func view(_ view: SQLName, createStatement: [UInt8], client: String, collation: String) -> SQLText {
        // The DROP is written whatever --add-drop-table says, as mariadb-dump does.
        var text = comment("\n--\n-- Final view structure for view \(sql: commentName(view))\n--\n\n")
        text += "/*!50001 DROP VIEW IF EXISTS \(sql: name(view))*/;\n"
        let client = SQLText(verbatim: client), collation = SQLText(verbatim: collation)
        text += """
            /*!50001 SET @saved_cs_client          = @@character_set_client */;
            /*!50001 SET @saved_cs_results         = @@character_set_results */;
            /*!50001 SET @saved_col_connection     = @@collation_connection */;
            /*!50001 SET character_set_client      = \(sql: client) */;
            /*!50001 SET character_set_results     = \(sql: client) */;
            /*!50001 SET collation_connection      = \(sql: collation) */;

            """
        let statement = options.skipDefiner ? DefinerClause.removed(from: createStatement) : createStatement
        // CREATE ALGORITHM=... DEFINER=... SQL SECURITY ... VIEW `v` AS ...
        // Without a definer (--skip-definer) the middle comment holds SQL SECURITY alone.
        let head = DefinerClause.CreateHead(statement, keyword: ["VIEW"])
        if let middle = head.definer?.lowerBound ?? head.security, head.security != nil, let viewKeyword = head.keyword, viewKeyword > middle {
            text += "/*!50001 \(sql: Array(statement[..<middle])) */\n"
            text += "/*!50013 \(sql: Array(statement[(middle + 1)..<viewKeyword])) */\n"
            text += "/*!50001 \(sql: Array(statement[(viewKeyword + 1)...])) */;\n"
        } else {
            text += "/*!50001 \(sql: statement) */;\n"
        }
        text += """
            /*!50001 SET character_set_client      = @saved_cs_client */;
            /*!50001 SET character_set_results     = @saved_cs_results */;
            /*!50001 SET collation_connection      = @saved_col_connection */;

            """
        return text
    }

    /// A routine (`-R`) as mariadb-dump writes it.
    func routine(kind: Catalog.Definition, name routineName: SQLName, sqlMode: String, statement: [UInt8], client: String, collation: String) -> SQLText {
        var text = Self.sqlModeSwitch(sqlMode)
        if options.addDropTable { text += "/*!50003 DROP \(sql: SQLText(verbatim: kind.rawValue)) IF EXISTS \(sql: name(routineName)) */;\n" }
        text += Self.characterSetSwitch(client: client, collation: collation)
        // mariadb-dump always uses ;; and writes an unloadable dump when the body contains it.
        let statement = options.skipDefiner ? DefinerClause.removed(from: statement) : statement
        let delimiter = Self.delimiter(avoiding: statement)
        text += "DELIMITER \(sql: delimiter)\n"
        return text + "\(sql: statement)\n\(sql: delimiter)\nDELIMITER ;\n" + Self.sqlModeRestore() + Self.characterSetRestore()
    }

    /// An event (`-E`) in its own DELIMITER block, with the delimiter the event before it left
    /// in force for its DROP (as mariadb-dump writes them). Returns the delimiter now in force.
    func event(name eventName: SQLName, sqlMode: String, timeZone: String, statement: [UInt8], client: String, collation: String,
               previousDelimiter: SQLText) -> (text: SQLText, delimiter: SQLText) {
        var text = SQLText()
        if options.addDropTable { text += "/*!50106 DROP EVENT IF EXISTS \(sql: name(eventName)) */\(sql: previousDelimiter)\n" }
        let statement = options.skipDefiner ? DefinerClause.removed(from: statement) : statement
        let delimiter = Self.delimiter(avoiding: statement)
        text += "DELIMITER \(sql: delimiter)\n"
        text += Self.characterSetSwitch(client: client, collation: collation, delimiter: delimiter)
        text += Self.sqlModeSwitch(sqlMode, delimiter: delimiter)
        text += "/*!50003 SET @saved_time_zone      = @@time_zone */ \(sql: delimiter)\n/*!50003 SET time_zone             = \(literal: timeZone) */ \(sql: delimiter)\n"
        text += "/*!50106 \(sql: DefinerClause.covered(statement, definerVersion: "50117", statementVersion: "50106", keyword: "EVENT"))"
        text += " \n*/ \(sql: delimiter)\n"
        text += "/*!50003 SET time_zone             = @saved_time_zone */ \(sql: delimiter)\n"
        return (text + Self.sqlModeRestore(delimiter: delimiter) + Self.characterSetRestore(delimiter: delimiter), delimiter)
    }

    /// `;;`, or as many semicolons more as it takes not to occur in `statement`.
    static func delimiter(avoiding statement: [UInt8]) -> SQLText {
        var delimiter = Array(";;".utf8)
        while statement.firstRange(of: delimiter) != nil { delimiter.append(UInt8(ascii: ";")) }
        return SQLText(bytes: delimiter)
    }

    /// The local date and time as mariadb-dump prints it: 2024-01-31 23:59:59.
    static func localDate() -> String {
        let parts = System.localTime()
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
