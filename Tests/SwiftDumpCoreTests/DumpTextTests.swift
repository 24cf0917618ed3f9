@testable import SwiftDumpCore
import Testing

private func text(_ sql: SQLText) -> String { String(decoding: sql.bytes, as: UTF8.self) }
private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("DumpText and the definition rewrites: mariadb-dump's text, byte for byte, without a server")
struct DumpTextTests {
    @Test("the lines around a table's rows, with the default options and without them")
    func rowsFraming() {
        let dump = DumpText(options: DumpOptions())
        #expect(text(dump.dataHeading("t", orderBy: nil)) == """

            --
            -- Dumping data for table `t`
            --

            LOCK TABLES `t` WRITE;
            /*!40000 ALTER TABLE `t` DISABLE KEYS */;

            """)
        #expect(text(dump.dataTrailer("t")) == "/*!40000 ALTER TABLE `t` ENABLE KEYS */;\nUNLOCK TABLES;\n")
        #expect(text(dump.dataHeading("t", orderBy: nil, lock: false)).contains("LOCK TABLES") == false,
                "a table drawing from a sequence is not locked")
        var bare = DumpOptions()
        bare.comments = false
        bare.addLocks = false
        bare.disableKeys = false
        bare.compact = true
        #expect(text(DumpText(options: bare).dataHeading("t", orderBy: nil)).isEmpty)
        #expect(text(DumpText(options: bare).dataTrailer("t")).isEmpty)
    }

    @Test("INSERT heads: extended or not, with a column list, REPLACE and IGNORE, names quoted or not")
    func insertStart() {
        var options = DumpOptions()
        #expect(text(DumpText(options: options).insertStart("t", columns: ["a"], withColumnList: false)) == "INSERT INTO `t` VALUES\n")
        #expect(text(DumpText(options: options).insertStart("t", columns: ["a", "b`c"], withColumnList: true))
                == "INSERT INTO `t` (`a`, `b``c`) VALUES ")
        options.extendedInsert = false
        options.insertIgnore = true
        #expect(text(DumpText(options: options).insertStart("t", columns: [], withColumnList: false)) == "INSERT IGNORE INTO `t` VALUES ")
        options.replace = true
        options.insertIgnore = false
        options.quoteNames = false
        #expect(text(DumpText(options: options).insertStart("t", columns: [], withColumnList: false)) == "REPLACE INTO t VALUES ")
    }

    @Test("names in comments: a newline continues the comment instead of ending it")
    func commentNames() {
        let dump = DumpText(options: DumpOptions())
        let name = SQLName(bytes: Array("evil\nDROP DATABASE x;".utf8))
        #expect(text(dump.tableStructureHeading(name)) == "\n--\n-- Table structure for table `evil\n-- DROP DATABASE x;`\n--\n\n")
    }

    @Test("CREATE TABLE framed by the character-set switch; no DROP before the server's log tables")
    func createTable() {
        let dump = DumpText(options: DumpOptions())
        let create = Array("CREATE TABLE `t` (\n  `a` int\n)".utf8)
        #expect(text(dump.createTable(create, table: "t")) == """
            DROP TABLE IF EXISTS `t`;
            /*!40101 SET @saved_cs_client     = @@character_set_client */;
            /*!40101 SET character_set_client = utf8mb4 */;
            CREATE TABLE `t` (
              `a` int
            );
            /*!40101 SET character_set_client = @saved_cs_client */;

            """)
        #expect(!text(dump.createTable(create, table: "t", dropFirst: false)).contains("DROP"))
    }

    @Test("a delimiter that does not occur in the body")
    func delimiter() {
        #expect(text(DumpText.delimiter(avoiding: Array("BEGIN SELECT 1; END".utf8))) == ";;")
        #expect(text(DumpText.delimiter(avoiding: Array("BEGIN SELECT ';;'; END".utf8))) == ";;;")
        #expect(text(DumpText.delimiter(avoiding: Array("SELECT ';;;' ';;'".utf8))) == ";;;;")
    }

    @Test("the replication position: commented with --master-data=2, the GTID form with --gtid")
    func replicationPosition() {
        var options = DumpOptions()
        options.masterData = 2
        let position = LogPosition(file: "binlog.000007", position: "1234", gtid: "0-1-99")
        let commented = text(DumpText(options: options).replicationPosition(position))
        #expect(commented.contains("\n-- CHANGE MASTER TO MASTER_LOG_FILE='binlog.000007', MASTER_LOG_POS=1234;\n"))
        options.masterData = 1
        #expect(text(DumpText(options: options).replicationPosition(position)).contains("\nCHANGE MASTER TO MASTER_LOG_FILE='binlog.000007', MASTER_LOG_POS=1234;\n"))
        options.gtid = true
        let gtid = text(DumpText(options: options).replicationPosition(position))
        #expect(gtid.hasPrefix("CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n"))
        #expect(text(DumpText(options: options).deferredGTID(position.gtid)).hasSuffix("\nSET GLOBAL gtid_slave_pos='0-1-99';\n"))
    }

    @Test("DEFINER covered for old servers, or taken out, read by the lexer: quotes and keywords inside names are names")
    func definer() {
        let trigger = Array("CREATE DEFINER=`root`@`localhost` TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET @a = 1".utf8)
        #expect(text(DefinerClause.covered(trigger, definerVersion: "50017", statementVersion: "50003", keyword: "TRIGGER"))
                == "CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET @a = 1")
        #expect(text(DefinerClause.removed(from: trigger)) == "CREATE TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET @a = 1")
        // A definer whose name holds a backtick, a space and the word TRIGGER.
        let hostile = Array("CREATE DEFINER=`a``b TRIGGER c`@`%` TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1".utf8)
        #expect(text(DefinerClause.removed(from: hostile)) == "CREATE TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1")
        #expect(text(DefinerClause.covered(hostile, definerVersion: "50017", statementVersion: "50003", keyword: "TRIGGER"))
                == "CREATE*/ /*!50017 DEFINER=`a``b TRIGGER c`@`%`*/ /*!50003 TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1")
        // No definer: unchanged.
        let plain = Array("CREATE TRIGGER `t` AFTER DELETE ON `x` FOR EACH ROW DO 1".utf8)
        #expect(DefinerClause.removed(from: plain) == plain)
    }

    @Test("a view's head split into mariadb-dump's three versioned comments")
    func view() {
        let dump = DumpText(options: DumpOptions())
        let create = Array("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1 AS `1`".utf8)
        let written = text(dump.view("v", createStatement: create, client: "utf8mb4", collation: "utf8mb4_general_ci"))
        #expect(written.contains("""
            /*!50001 CREATE ALGORITHM=UNDEFINED */
            /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
            /*!50001 VIEW `v` AS select 1 AS `1` */;

            """))
    }

    @Test("a sequence of the table's own database is unqualified in its DEFAULT; text in strings and comments stays")
    func sequences() {
        let create = Array("CREATE TABLE `t` (`id` int DEFAULT nextval(`shop`.`s`), `c` varchar(40) DEFAULT 'nextval(`shop`.`s`)' /* nextval(`shop`.`s`) */)".utf8)
        #expect(text(SequenceReferences.unqualified(create, database: "shop"))
                == "CREATE TABLE `t` (`id` int DEFAULT nextval(`s`), `c` varchar(40) DEFAULT 'nextval(`shop`.`s`)' /* nextval(`shop`.`s`) */)")
        // Another database's sequence keeps its database.
        #expect(SequenceReferences.unqualified(create, database: "other") == create)
    }

    @Test("keywords compared as bytes: ASCII letters without case; a name with other bytes is never a keyword")
    func keywords() {
        #expect(SQLLexer.isKeyword(Array("nextVal".utf8), "NEXTVAL"))
        #expect(!SQLLexer.isKeyword(Array("nextva".utf8), "NEXTVAL"))
        #expect(!SQLLexer.isKeyword(Array("NEXTVAL\u{301}".utf8), "NEXTVAL"))
        // DEL is not an underscore, though the two differ only in bit 5.
        #expect(!SQLLexer.isKeyword(Array("KEY\u{7F}".utf8), "KEY_"))
        #expect(SQLLexer.keyword(Array("Foreign".utf8)) == "FOREIGN")
        #expect(SQLLexer.keyword(Array("ß_key".utf8)) == "ß_KEY")
    }

    @Test("index deferral: plain secondary indexes of InnoDB tables only; the ones a foreign key or AUTO_INCREMENT needs stay, and the keys' order")
    func indexDeferral() {
        func split(_ create: String) -> (create: String, alter: String?) {
            let (kept, alter) = IndexDeferral.split(Array(create.utf8), table: "t")
            return (text(kept), alter.map(text))
        }
        let plain = split("""
            CREATE TABLE `t` (
              `id` int(11) NOT NULL,
              `k` int(11) NOT NULL,
              `c` char(10) NOT NULL,
              PRIMARY KEY (`id`),
              UNIQUE KEY `uc` (`c`),
              KEY `k_1` (`k`),
              KEY `kc` (`k`,`c`)
            ) ENGINE=InnoDB DEFAULT CHARSET=latin1
            """)
        #expect(plain.alter == "ALTER TABLE `t` ADD KEY `k_1` (`k`), ADD KEY `kc` (`k`,`c`)")
        #expect(plain.create == """
            CREATE TABLE `t` (
              `id` int(11) NOT NULL,
              `k` int(11) NOT NULL,
              `c` char(10) NOT NULL,
              PRIMARY KEY (`id`),
              UNIQUE KEY `uc` (`c`)
            ) ENGINE=InnoDB DEFAULT CHARSET=latin1
            """)
        let kept = split("""
            CREATE TABLE `t` (
              `id` int(11) NOT NULL,
              `seq` int(11) NOT NULL AUTO_INCREMENT,
              `parent` int(11) DEFAULT NULL,
              `body` text,
              `spot` point NOT NULL,
              `x` int(11) DEFAULT NULL,
              PRIMARY KEY (`id`),
              KEY `by_seq` (`seq`),
              KEY `by_parent` (`parent`,`x`),
              FULLTEXT KEY `words` (`body`),
              SPATIAL KEY `where` (`spot`),
              KEY `by_x` (`x`),
              CONSTRAINT `up` FOREIGN KEY (`parent`) REFERENCES `t` (`id`)
            ) ENGINE = InnoDB
            """)
        #expect(kept.alter == "ALTER TABLE `t` ADD KEY `by_x` (`x`)")
        #expect(kept.create.contains("KEY `by_seq` (`seq`)"), "AUTO_INCREMENT needs its index")
        #expect(kept.create.contains("KEY `by_parent` (`parent`,`x`)"), "the foreign key needs its index")
        #expect(kept.create.contains("FULLTEXT KEY `words`") && kept.create.contains("SPATIAL KEY `where`"))
        #expect(!kept.create.contains("by_x"))
        for other in ["ENGINE=MyISAM", "ENGINE=Aria", ""] {
            let create = "CREATE TABLE `t` (\n  `k` int(11) NOT NULL,\n  KEY `k` (`k`)\n) \(other)"
            #expect(split(create).alter == nil, "\(other)")
            #expect(split(create).create == create)
        }
        // A plain index before one that stays is not deferred: the order of the keys is kept.
        let ordered = split("""
            CREATE TABLE `t` (
              `id` int(11) NOT NULL,
              `a` int(11) DEFAULT NULL,
              `parent` int(11) DEFAULT NULL,
              `b` int(11) DEFAULT NULL,
              PRIMARY KEY (`id`),
              KEY `by_a` (`a`),
              KEY `by_parent` (`parent`),
              KEY `by_b` (`b`),
              CONSTRAINT `up` FOREIGN KEY (`parent`) REFERENCES `t` (`id`)
            ) ENGINE=InnoDB
            """)
        #expect(ordered.alter == "ALTER TABLE `t` ADD KEY `by_b` (`b`)")
        #expect(ordered.create.contains("KEY `by_a` (`a`),\n  KEY `by_parent` (`parent`),\n  CONSTRAINT"))
        // A column named like a keyword, quoted: a column, not a key.
        let quoted = split("CREATE TABLE `t` (\n  `key` int(11) NOT NULL AUTO_INCREMENT,\n  KEY `a` (`key`),\n  KEY `b` (`other`)\n) ENGINE=InnoDB")
        #expect(quoted.alter == "ALTER TABLE `t` ADD KEY `b` (`other`)")
    }
}
