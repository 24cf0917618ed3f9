import CMariaDB

/// A result column's metadata, read once per result set so the formatter can decide per column
/// (copy digits, quote text, hex a blob) instead of per value.
public struct Column: Sendable, Hashable {
    /// The name in the result (an alias if the query gave one).
    public let name: String
    public let originalName: String
    public let table: String
    public let originalTable: String
    public let database: String
    public let type: ColumnType
    public let flags: ColumnFlags
    /// The collation number the server sends the value in; 63 is `binary`.
    public let characterSetNumber: UInt32
    /// The display width the server declares.
    public let length: UInt
    public let decimals: UInt32

    public init(
        name: String, originalName: String = "", table: String = "", originalTable: String = "",
        database: String = "", type: ColumnType, flags: ColumnFlags = [],
        characterSetNumber: UInt32 = 63, length: UInt = 0, decimals: UInt32 = 0
    ) {
        self.name = name
        self.originalName = originalName
        self.table = table
        self.originalTable = originalTable
        self.database = database
        self.type = type
        self.flags = flags
        self.characterSetNumber = characterSetNumber
        self.length = length
        self.decimals = decimals
    }

    /// The `binary` pseudo-collation: bytes, not characters.
    public static let binaryCharacterSet: UInt32 = 63

    /// True when the value is raw bytes (BLOB, VARBINARY, BINARY, and the binary forms the
    /// server uses for GEOMETRY and BIT), false for text in a character set.
    public var isBinary: Bool { characterSetNumber == Self.binaryCharacterSet && !type.isNumeric && !type.isTemporal }
}

/// The server's wire type of a column (`enum_field_types`).
public struct ColumnType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    init(_ type: enum_field_types) { self.rawValue = type.rawValue }

    public static let decimal = ColumnType(MYSQL_TYPE_DECIMAL)
    public static let tiny = ColumnType(MYSQL_TYPE_TINY)
    public static let short = ColumnType(MYSQL_TYPE_SHORT)
    public static let long = ColumnType(MYSQL_TYPE_LONG)
    public static let float = ColumnType(MYSQL_TYPE_FLOAT)
    public static let double = ColumnType(MYSQL_TYPE_DOUBLE)
    public static let null = ColumnType(MYSQL_TYPE_NULL)
    public static let timestamp = ColumnType(MYSQL_TYPE_TIMESTAMP)
    public static let longLong = ColumnType(MYSQL_TYPE_LONGLONG)
    public static let int24 = ColumnType(MYSQL_TYPE_INT24)
    public static let date = ColumnType(MYSQL_TYPE_DATE)
    public static let time = ColumnType(MYSQL_TYPE_TIME)
    public static let dateTime = ColumnType(MYSQL_TYPE_DATETIME)
    public static let year = ColumnType(MYSQL_TYPE_YEAR)
    public static let newDate = ColumnType(MYSQL_TYPE_NEWDATE)
    public static let varchar = ColumnType(MYSQL_TYPE_VARCHAR)
    public static let bit = ColumnType(MYSQL_TYPE_BIT)
    public static let timestamp2 = ColumnType(MYSQL_TYPE_TIMESTAMP2)
    public static let dateTime2 = ColumnType(MYSQL_TYPE_DATETIME2)
    public static let time2 = ColumnType(MYSQL_TYPE_TIME2)
    public static let json = ColumnType(MYSQL_TYPE_JSON)
    public static let newDecimal = ColumnType(MYSQL_TYPE_NEWDECIMAL)
    public static let `enum` = ColumnType(MYSQL_TYPE_ENUM)
    public static let set = ColumnType(MYSQL_TYPE_SET)
    public static let tinyBlob = ColumnType(MYSQL_TYPE_TINY_BLOB)
    public static let mediumBlob = ColumnType(MYSQL_TYPE_MEDIUM_BLOB)
    public static let longBlob = ColumnType(MYSQL_TYPE_LONG_BLOB)
    public static let blob = ColumnType(MYSQL_TYPE_BLOB)
    public static let varString = ColumnType(MYSQL_TYPE_VAR_STRING)
    public static let string = ColumnType(MYSQL_TYPE_STRING)
    public static let geometry = ColumnType(MYSQL_TYPE_GEOMETRY)

    /// Values the server sends as plain digits (mysqldump writes them unquoted).
    public var isNumeric: Bool {
        switch self {
        case .decimal, .newDecimal, .tiny, .short, .long, .longLong, .int24, .float, .double, .year:
            true
        default:
            false
        }
    }

    public var isTemporal: Bool {
        switch self {
        case .timestamp, .timestamp2, .date, .newDate, .time, .time2, .dateTime, .dateTime2: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .decimal, .newDecimal: "DECIMAL"
        case .tiny: "TINYINT"
        case .short: "SMALLINT"
        case .long: "INT"
        case .int24: "MEDIUMINT"
        case .longLong: "BIGINT"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .null: "NULL"
        case .timestamp, .timestamp2: "TIMESTAMP"
        case .date, .newDate: "DATE"
        case .time, .time2: "TIME"
        case .dateTime, .dateTime2: "DATETIME"
        case .year: "YEAR"
        case .varchar, .varString: "VARCHAR"
        case .string: "CHAR"
        case .bit: "BIT"
        case .json: "JSON"
        case .enum: "ENUM"
        case .set: "SET"
        case .tinyBlob, .mediumBlob, .longBlob, .blob: "BLOB"
        case .geometry: "GEOMETRY"
        default: "TYPE(\(rawValue))"
        }
    }
}

/// Column flags as the server sends them (`NOT_NULL_FLAG`, `BINARY_FLAG`, ...).
public struct ColumnFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let notNull = ColumnFlags(rawValue: UInt32(NOT_NULL_FLAG))
    public static let primaryKey = ColumnFlags(rawValue: UInt32(PRI_KEY_FLAG))
    public static let uniqueKey = ColumnFlags(rawValue: UInt32(UNIQUE_KEY_FLAG))
    public static let multipleKey = ColumnFlags(rawValue: UInt32(MULTIPLE_KEY_FLAG))
    public static let blob = ColumnFlags(rawValue: UInt32(BLOB_FLAG))
    public static let unsigned = ColumnFlags(rawValue: UInt32(UNSIGNED_FLAG))
    public static let zeroFill = ColumnFlags(rawValue: UInt32(ZEROFILL_FLAG))
    public static let binary = ColumnFlags(rawValue: UInt32(BINARY_FLAG))
    public static let `enum` = ColumnFlags(rawValue: UInt32(ENUM_FLAG))
    public static let autoIncrement = ColumnFlags(rawValue: UInt32(AUTO_INCREMENT_FLAG))
    public static let timestamp = ColumnFlags(rawValue: UInt32(TIMESTAMP_FLAG))
    public static let set = ColumnFlags(rawValue: UInt32(SET_FLAG))
    public static let numeric = ColumnFlags(rawValue: UInt32(NUM_FLAG))
}

extension Column {
    /// Reads one `MYSQL_FIELD`; the strings are copied once per result set.
    init(_ field: MYSQL_FIELD) {
        func text(_ pointer: UnsafeMutablePointer<CChar>?, _ length: UInt32) -> String {
            guard let pointer, length > 0 else { return "" }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(length))
            return String(decoding: bytes, as: UTF8.self)
        }
        self.init(
            name: text(field.name, field.name_length),
            originalName: text(field.org_name, field.org_name_length),
            table: text(field.table, field.table_length),
            originalTable: text(field.org_table, field.org_table_length),
            database: text(field.db, field.db_length),
            type: ColumnType(field.type),
            flags: ColumnFlags(rawValue: field.flags),
            characterSetNumber: field.charsetnr,
            length: field.length,
            decimals: field.decimals
        )
    }
}
