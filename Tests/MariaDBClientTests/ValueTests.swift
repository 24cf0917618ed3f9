import MariaDBClient
import Testing
import TestSupport

@Suite("Values arrive byte-exact")
struct ValueTests {
    /// Every byte value, so escaping problems (0x00, 0x5C, 0x27, 0xFF) cannot hide.
    static let allBytes = (0...255).map { UInt8($0) }

    @Test("NULL, '', 'NULL' and binary bytes keep their identity and NULL flags")
    func nullEmptyAndBinary() throws {
        let database = try TestServer.makeDatabase("values")
        let connection = try TestServer.connect(database: database)
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        try connection.execute("""
            CREATE TABLE v (id INT PRIMARY KEY, txt VARCHAR(20) CHARACTER SET utf8mb4,
                            bin VARBINARY(300), blb BLOB)
            """)
        try connection.execute("""
            INSERT INTO v VALUES
              (1, NULL, NULL, NULL),
              (2, '', '', ''),
              (3, 'NULL', 'NULL', 'NULL'),
              (4, 'ä\\'\\\\', 0x005C27FF, 0x005C27FF00),
              (5, 'x', UNHEX('\(Self.allBytes.map { String(format2: $0) }.joined())'), NULL)
            """)

        var collector = Collector()
        try connection.stream("SELECT id, txt, bin, blb FROM v ORDER BY id", into: &collector)
        let (columns, rows) = (collector.columns, collector.rows)
        #expect(rows.count == 5)
        #expect(rows[0] == ["1".bytes, nil, nil, nil])
        #expect(rows[1] == ["2".bytes, [], [], []])
        #expect(rows[2] == ["3".bytes, "NULL".bytes, "NULL".bytes, "NULL".bytes])
        #expect(rows[3] == ["4".bytes, "ä'\\".bytes, [0x00, 0x5C, 0x27, 0xFF], [0x00, 0x5C, 0x27, 0xFF, 0x00]])
        #expect(rows[4][2] == Self.allBytes)

        #expect(columns.map(\.name) == ["id", "txt", "bin", "blb"])
        #expect(columns.map(\.isBinary) == [false, false, true, true])
        #expect(columns[0].type == .long && columns[0].flags.contains(.primaryKey) && columns[0].flags.contains(.notNull))
        #expect(columns[1].type == .varString && columns[1].characterSetNumber != Column.binaryCharacterSet)
        #expect(columns[2].type == .varString && columns[2].characterSetNumber == Column.binaryCharacterSet)
        #expect(columns[3].type == .blob && columns[3].flags.contains(.blob))
        #expect(columns[1].table == "v" && columns[1].database == database)
    }

    @Test("the Row accessors agree with each other on NULL and empty")
    func rowAccessors() throws {
        let connection = try TestServer.connect()
        var checked = 0
        try connection.forEachRow("SELECT NULL, '', 'NULL', X'00FF'") { row in
            #expect(row.count == 4)
            #expect(row.isNull(0) && row.length(0) == 0 && row.bytes(0) == nil && row.string(0) == nil)
            #expect(!row.isNull(1) && row.length(1) == 0 && row.bytes(1) == [])
            #expect(row.string(2) == "NULL")
            #expect(row.withBytes(3) { Array($0) } == [0x00, 0xFF])
            checked += 1
        }
        #expect(checked == 1)
    }

    @Test("server errors carry their number and SQLSTATE; the connection stays usable")
    func serverErrors() throws {
        let connection = try TestServer.connect()
        let error = try #require(throws: MariaDBError.self) { try connection.query("SELECT * FROM mysql.no_such_table_here") }
        #expect(error.code == MariaDBError.noSuchTable)
        #expect(error.sqlState == "42S02")
        #expect(error.message.contains("no_such_table_here"))
        #expect(!error.isClientError)
        #expect(try connection.query("SELECT 41 + 1").rows[0].string(0) == "42")
    }

    @Test("a handler that throws stops the stream and the connection stays usable")
    func handlerThrows() throws {
        struct Stop: Error {}
        let connection = try TestServer.connect(database: "mysql")
        var seen = 0
        #expect(throws: Stop.self) {
            try connection.forEachRow("SELECT seq FROM seq_1_to_100000") { _ in
                seen += 1
                if seen == 10 { throw Stop() }
            }
        }
        #expect(seen == 10)
        #expect(try connection.query("SELECT COUNT(*) FROM seq_1_to_7").rows[0].string(0) == "7")
    }

    @Test("execute returns affected rows and survives multi-result CALLs")
    func execute() throws {
        let database = try TestServer.makeDatabase("execute")
        let connection = try TestServer.connect(database: database)
        defer { _ = try? connection.execute("DROP DATABASE `\(database)`") }
        try connection.execute("CREATE TABLE t (a INT)")
        #expect(try connection.execute("INSERT INTO t SELECT seq FROM seq_1_to_25") == 25)
        #expect(try connection.execute("UPDATE t SET a = a + 1 WHERE a <= 5") == 5)
        try connection.execute("CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END")
        try connection.execute("CALL p()")
        #expect(try connection.query("SELECT COUNT(*) FROM t").rows[0].string(0) == "25")
    }
}

/// Collects a stream: a handler written outside the library, as the engine's will be.
private struct Collector: RowHandler {
    var columns: [Column] = []
    var rows: [[[UInt8]?]] = []

    mutating func start(columns: [Column]) { self.columns = columns }

    mutating func handle(_ row: borrowing Row) {
        rows.append((0..<row.count).map { row.bytes($0) })
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
    init(format2 byte: UInt8) {
        let digits = Array("0123456789ABCDEF")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
