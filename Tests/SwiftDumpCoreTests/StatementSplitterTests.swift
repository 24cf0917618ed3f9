@testable import SwiftDumpCore
import Testing

/// The restore's statement splitter, on the constructs mysqldump files contain.
@Suite("Splitting dumps into statements")
struct StatementSplitterTests {
    final class BytesReader: ByteReader {
        private let bytes: [UInt8]
        private var offset = 0
        private let piece: Int

        /// Hands out `piece` bytes at a time, so statements straddle reads.
        init(_ text: String, piece: Int) {
            bytes = Array(text.utf8)
            self.piece = piece
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(piece, buffer.count, bytes.count - offset)
            for index in 0..<count { buffer[index] = bytes[offset + index] }
            offset += count
            return count
        }
    }

    static func split(_ text: String, piece: Int = 1 << 20, blockSize: Int = 1 << 20) throws -> (statements: [String], splitter: StatementSplitter) {
        let splitter = StatementSplitter(reader: BytesReader(text, piece: piece), blockSize: blockSize)
        var statements: [String] = []
        while let statement = try splitter.next() { statements.append(String(decoding: statement.bytes, as: UTF8.self)) }
        return (statements, splitter)
    }

    static let dump = """
        /*M!999999\\- enable the sandbox mode */
        -- MariaDB dump 10.19
        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
        # a hash comment; with a semicolon
        /* a plain comment; with a semicolon */
        INSERT INTO `t` VALUES (1,'a;b'),(2,'it\\'s; here'),(3,"dq;"),(4,'line
        break;'),(5,'back\\\\');
        CREATE TABLE `x;y` (`a;` int) COMMENT 'c -- not a comment';
        DELIMITER ;;
        /*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; SET @b = 2; END */;;
        DELIMITER ;
        /*!40101 SET x = 1 */; /*!40101 SET y = 2 */;
        -- Dump completed on 2026-01-01
        """

    @Test("statements end at the delimiter outside quotes, backquotes and comments; DELIMITER and the sandbox line are client commands")
    func mysqldumpConstructs() throws {
        let expected = [
            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
            "INSERT INTO `t` VALUES (1,'a;b'),(2,'it\\'s; here'),(3,\"dq;\"),(4,'line\nbreak;'),(5,'back\\\\')",
            "CREATE TABLE `x;y` (`a;` int) COMMENT 'c -- not a comment'",
            "/*!50003 CREATE*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; SET @b = 2; END */",
            "/*!40101 SET x = 1 */",
            "/*!40101 SET y = 2 */",
        ]
        // Whole, and fed a few bytes at a time into a small buffer (statements cross reads).
        for (piece, block) in [(1 << 20, 1 << 20), (1, 16), (7, 32), (64, 64)] {
            let (statements, splitter) = try Self.split(Self.dump, piece: piece, blockSize: block)
            #expect(statements == expected, "read \(piece) at a time")
            #expect(splitter.sawSandboxLine)
            #expect(splitter.unterminatedTail == nil)
        }
    }

    @Test("NO_BACKSLASH_ESCAPES from a SET makes a backslash an ordinary character, until the mode is restored")
    func noBackslashEscapes() throws {
        let text = """
            SET @saved = @@sql_mode;
            SET sql_mode = 'NO_BACKSLASH_ESCAPES';
            SELECT 'ends with \\';
            SET sql_mode = @saved;
            SELECT 'escaped \\' quote';
            """
        let (statements, _) = try Self.split(text)
        #expect(statements == [
            "SET @saved = @@sql_mode",
            "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
            "SELECT 'ends with \\'",
            "SET sql_mode = @saved",
            "SELECT 'escaped \\' quote'",
        ])
    }

    @Test("text after the last delimiter is reported, not returned: a cut-off statement is never run")
    func unterminated() throws {
        let (statements, splitter) = try Self.split("SELECT 1;\nINSERT INTO t VALUES (1,'cut")
        #expect(statements == ["SELECT 1"])
        #expect(splitter.unterminatedTail?.offset == 10)
        let (_, clean) = try Self.split("SELECT 1;\n-- only a comment after\n\n")
        #expect(clean.unterminatedTail == nil)
    }

    @Test("statements are classified for scheduling")
    func classification() {
        func role(_ text: String) -> StatementRole { StatementClassifier.classify(Array(text.utf8)) }
        #expect(role("INSERT INTO `t` VALUES (1)") == .table(TableReference(database: nil, table: "t"), .insert(afterName: 16)))
        #expect(role("/*!40000 ALTER TABLE `t` DISABLE KEYS */") == .table(TableReference(database: nil, table: "t"), .other))
        #expect(role("DROP TABLE IF EXISTS `a``b`") == .table(TableReference(database: nil, table: "a`b"), .drop))
        #expect(role("CREATE TABLE `db`.`t` (a int)") == .table(TableReference(database: "db", table: "t"), .create))
        #expect(role("SELECT SETVAL(`s`, 1000, 0)") == .table(TableReference(database: nil, table: "s"), .other))
        #expect(role("LOCK TABLES `t` WRITE") == .skip)
        #expect(role("/*!40101 SET character_set_client = @saved_cs_client */") == .session(restoring: true))
        #expect(role("/*!40101 SET @saved_cs_client = @@character_set_client */") == .session(restoring: false))
        #expect(role("SET @@GLOBAL.GTID_SLAVE_POS='0-1-2'") == .global)
        #expect(role("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER x AFTER INSERT ON t FOR EACH ROW SET @a = 1 */") == .object)
        #expect(role("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select 1 */") == .object)
        #expect(role("ALTER DATABASE `d` CHARACTER SET latin1") == .object)
        // Under ANSI_QUOTES mariadb-dump quotes the definer with double quotes.
        #expect(role("CREATE DEFINER=\"root\"@\"localhost\" PACKAGE \"pricing\" AS FUNCTION f RETURN NUMBER; END") == .object)
        #expect(role("CREATE DEFINER='root'@'%' FUNCTION f() RETURNS INT RETURN 1") == .object)
        #expect(role("CREATE DEFINER=CURRENT_USER() TRIGGER x AFTER INSERT ON t FOR EACH ROW SET @a = 1") == .object)
        #expect(role("GRANT ALL ON *.* TO x") == .global)
        if case .database(let name, _) = role("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */") {
            #expect(name == "shop")
        } else {
            Issue.record("CREATE DATABASE not recognised")
        }
    }

    @Test("a CREATE or DROP of one table runs beside others; one that may read another object waits for those before it")
    func schemaSteps() {
        func step(_ text: String) -> RestoreItem.SchemaStep { StatementClassifier.schemaStep(Array(text.utf8)) }
        // What mariadb-dump and swiftdump write: standalone, foreign keys included.
        #expect(step("DROP TABLE IF EXISTS `t`") == .standalone)
        #expect(step("CREATE SEQUENCE `s` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB") == .standalone)
        #expect(step("""
            CREATE TABLE `orders` (`id` int NOT NULL, `who` int, `note` varchar(20) DEFAULT 'select * like next', PRIMARY KEY (`id`),
              KEY `who` (`who`) /* LIKE other */, CONSTRAINT `fk` FOREIGN KEY (`who`) REFERENCES `people` (`id`)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='AS SELECT'
            """) == .standalone)
        #expect(step("/*!40101 CREATE TABLE `t` (`a` int) ENGINE = aria PARTITION BY HASH (`a`) (PARTITION p0 ENGINE = Aria) */") == .standalone)
        #expect(step("CREATE TABLE `next` (`like` int) ENGINE=MyISAM") == .standalone)
        // What may read another table or a sequence as it is created.
        #expect(step("CREATE TABLE `t` (`id` int DEFAULT nextval(`shop`.`s`))") == .dependent)
        #expect(step("CREATE TABLE t (id int DEFAULT NEXT VALUE FOR s)") == .dependent)
        #expect(step("CREATE TABLE t LIKE u") == .dependent)
        #expect(step("CREATE TABLE t (LIKE u)") == .dependent)
        #expect(step("CREATE TABLE t AS SELECT * FROM u") == .dependent)
        #expect(step("CREATE OR REPLACE TABLE t (a int) SELECT a FROM u") == .dependent)
        #expect(step("CREATE TABLE m (a int) ENGINE=MERGE UNION=(u, v)") == .dependent)
        #expect(step("CREATE TABLE f (a int) ENGINE=FEDERATED CONNECTION='mysql://h/db/u'") == .dependent)
        #expect(step("CREATE TABLE c ENGINE=CONNECT TABLE_TYPE=PROXY TABNAME=u") == .dependent)
        #expect(step("CREATE TABLE t (a int) ENGINE=") == .dependent)
    }
}
