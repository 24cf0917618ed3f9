/// swiftdump's options: mysqldump's names, short forms and defaults, grouped for `--help`.
enum DumpOptionTable {
    static let selection = "What to dump"
    static let consistency = "Consistency and locking"
    static let output = "Output format"
    static let behaviour = "Behaviour"
    static let parallel = "Parallel dump, compression and layout (beyond mysqldump)"

    static let definitions: [OptionDefinition] = ClientOptionTable.definitions + [
        OptionDefinition("all-databases", short: "A", group: selection, help: "Dump all the databases."),
        OptionDefinition("databases", short: "B", group: selection, help: "Dump several databases: every name argument is a database, and CREATE DATABASE and USE are included."),
        OptionDefinition("tables", group: selection, help: "Overrides option --databases (-B)."),
        OptionDefinition("ignore-table", argument: .required(valueName: "db.table"), group: selection, help: "Do not dump the given table; repeat for several."),
        OptionDefinition("ignore-database", argument: .required(valueName: "name"), group: selection, help: "Do not dump the given database; repeat for several."),
        OptionDefinition("where", short: "w", argument: .required(valueName: "cond"), group: selection, help: "Dump only the rows selected by this WHERE condition."),
        OptionDefinition("no-data", short: "d", group: selection, help: "No row information."),
        OptionDefinition("no-create-info", short: "t", group: selection, help: "Don't write table creation info."),
        OptionDefinition("no-create-db", short: "n", group: selection, help: "Suppress the CREATE DATABASE statements written with --databases or --all-databases."),
        OptionDefinition("routines", short: "R", group: selection, help: "Dump stored routines (functions and procedures).", default: "FALSE"),
        OptionDefinition("events", short: "E", group: selection, help: "Dump events.", default: "FALSE"),
        OptionDefinition("triggers", group: selection, help: "Dump triggers for each dumped table.", default: "TRUE"),
        OptionDefinition("no-tablespaces", short: "y", group: selection, help: "Do not dump any tablespace information (swiftdump never does)."),

        OptionDefinition("single-transaction", group: consistency, help: "Dump all tables in one transaction with a consistent snapshot (REPEATABLE READ); turns off --lock-tables.", default: "FALSE"),
        OptionDefinition("lock-tables", short: "l", group: consistency, help: "Lock all tables of a database for read while dumping it.", default: "TRUE"),
        OptionDefinition("lock-all-tables", short: "x", group: consistency, help: "Lock all tables across all databases (FLUSH TABLES WITH READ LOCK); turns off --single-transaction and --lock-tables.", default: "FALSE"),
        OptionDefinition("master-data", argument: .optional(valueName: "#"), group: consistency, help: "Write the binary log position as CHANGE MASTER TO: 1 as a statement, 2 commented out.", default: "0"),
        OptionDefinition("source-data", argument: .optional(valueName: "#"), group: consistency, help: "Alias of --master-data.", default: "0"),
        OptionDefinition("gtid", group: consistency, help: "With --master-data, write the GTID position (MASTER_USE_GTID) instead of file and offset.", default: "FALSE"),
        OptionDefinition("flush-logs", short: "F", group: consistency, help: "Flush the server's logs before the dump starts.", default: "FALSE"),
        OptionDefinition("quick", short: "q", group: consistency, help: "Stream rows instead of buffering whole tables (swiftdump always streams).", default: "TRUE"),

        OptionDefinition("opt", group: output, help: "Same as --add-drop-table, --add-locks, --create-options, --quick, --extended-insert, --lock-tables, --set-charset, and --disable-keys. Enabled by default, disable with --skip-opt.", default: "TRUE"),
        OptionDefinition("extended-insert", short: "e", group: output, help: "Use multiple-row INSERT syntax.", default: "TRUE"),
        OptionDefinition("complete-insert", short: "c", group: output, help: "Use complete insert statements (with column names).", default: "FALSE"),
        OptionDefinition("insert-ignore", group: output, help: "Insert rows with INSERT IGNORE.", default: "FALSE"),
        OptionDefinition("replace", group: output, help: "Use REPLACE INTO instead of INSERT INTO.", default: "FALSE"),
        OptionDefinition("add-drop-database", group: output, help: "Add a DROP DATABASE before each create.", default: "FALSE"),
        OptionDefinition("add-drop-table", group: output, help: "Add a DROP TABLE before each create.", default: "TRUE"),
        OptionDefinition("add-drop-trigger", group: output, help: "Add a DROP TRIGGER before each create.", default: "FALSE"),
        OptionDefinition("add-locks", group: output, help: "Add locks around INSERT statements.", default: "TRUE"),
        OptionDefinition("disable-keys", short: "K", group: output, help: "Wrap each table's INSERTs in ALTER TABLE ... DISABLE/ENABLE KEYS.", default: "TRUE"),
        OptionDefinition("hex-blob", group: output, help: "Dump binary strings (BINARY, VARBINARY, BLOB) in hexadecimal format.", default: "FALSE"),
        OptionDefinition("create-options", short: "a", group: output, help: "Include all MariaDB specific create options.", default: "TRUE"),
        OptionDefinition("quote-names", short: "Q", group: output, help: "Quote table and column names with backticks.", default: "TRUE"),
        OptionDefinition("tz-utc", group: output, help: "Dump TIMESTAMP values in UTC and write SET TIME_ZONE='+00:00' at the top.", default: "TRUE"),
        OptionDefinition("set-charset", group: output, help: "Add 'SET NAMES default_character_set' to the output.", default: "TRUE"),
        OptionDefinition("compact", group: output, help: "Give less verbose output: --skip-add-drop-table --skip-add-locks --skip-comments --skip-disable-keys --skip-set-charset.", default: "FALSE"),
        OptionDefinition("comments", short: "i", group: output, help: "Write additional information.", default: "TRUE"),
        OptionDefinition("dump-date", group: output, help: "Put a dump date at the end of the output (with --comments).", default: "TRUE"),
        OptionDefinition("order-by-primary", group: output, help: "Sort each table's rows by primary key, or first unique key, if such a key exists.", default: "FALSE"),
        OptionDefinition("no-autocommit", group: output, help: "Wrap each table's INSERTs in set autocommit=0 / commit.", default: "FALSE"),
        OptionDefinition("dump-order", argument: .required(valueName: "ORDER"), group: output, help: "dependencies: every table after the tables it references, foreign keys that close a cycle or reference their own table added after the data, so the dump loads with FOREIGN_KEY_CHECKS=1; name: mariadb-dump's order (by name), byte for byte.", default: "dependencies"),
        OptionDefinition("dump-history", short: "H", group: output, help: "Dump system-versioned tables with their history rows (timestamp-based versioning), restored with system_versioning_insert_history.", default: "FALSE"),
        OptionDefinition("skip-definer", group: output, help: "Leave DEFINER clauses out of views, routines, triggers and events, so they load where the definer accounts do not exist (the loading account becomes their definer).", default: "FALSE"),
        OptionDefinition("result-file", short: "r", argument: .required(valueName: "FILE"), group: output, help: "Write to FILE. It is written under a temporary name and renamed when complete, so a failed dump never leaves a complete-looking file. s3://bucket/key writes an object (a multipart upload, completed at the end)."),

        OptionDefinition("threads", short: "j", argument: .required(valueName: "#"), group: parallel, help: "Read with # connections in one consistent snapshot (a brief BACKUP STAGE BLOCK_COMMIT, or FLUSH TABLES WITH READ LOCK, while they start). 1: one connection with mysqldump's locking.", default: "the number of cores"),
        OptionDefinition("chunk-size", argument: .required(valueName: "#"), group: parallel, help: "Cut tables larger than # bytes (server estimate; K, M, G suffixes) into key ranges read in parallel.", default: "64M"),
        OptionDefinition("no-lock", group: parallel, help: "Take no global lock while the connections start their snapshots; the dump says whether the server committed meanwhile (then tables read by different connections may disagree).", default: "FALSE"),
        OptionDefinition("ddl-lock", group: parallel, help: "Hold back DDL on the whole server while the dump reads (BACKUP STAGE BLOCK_DDL, MariaDB 10.4 and later): an ALTER, RENAME, DROP or TRUNCATE waits until the last table is read instead of stalling the application's queries or the dump; reads, writes and commits go on. --skip-ddl-lock lets DDL run (a changed table may then fail the dump).", default: "TRUE"),
        OptionDefinition("lock-wait-timeout", argument: .required(valueName: "#"), group: parallel, help: "Wait at most # seconds for any lock: the global lock, the backup lock, a table's metadata lock; then stop with an error naming what holds it.", default: "30"),
        OptionDefinition("compress-output", argument: .required(valueName: "ALG[:LEVEL]"), group: parallel, help: "zstd, gzip or none, optionally with a level (zstd:3, gzip:6). Blocks are compressed in parallel as independent frames; zstd -d and gunzip read the result. Default: from -r FILE's extension (.zst, .gz), else none."),
        OptionDefinition("format", argument: .required(valueName: "FORMAT"), group: parallel, help: "sql: one mysqldump-compatible stream; dir: a directory (-o DIR) with a file per table structure and per chunk, and a manifest written last.", default: "sql"),
        OptionDefinition("output-dir", short: "o", argument: .required(valueName: "DIR"), group: parallel, help: "The directory for --format=dir (new or empty), or s3://bucket/prefix/ (a prefix holding no object)."),
        OptionDefinition("umask", argument: .required(valueName: "OCTAL"), group: parallel, help: "Permissions of what the dump creates: files 0666 and directories 0777 less these bits (022 lets everyone read).", default: "077 (owner only: files 0600, directories 0700)"),
        OptionDefinition("progress", group: parallel, help: "Show a progress line on standard error (default: when it is a terminal)."),
        OptionDefinition("no-progress", group: parallel, help: "Never show the progress line."),

        OptionDefinition("force", short: "f", group: behaviour, help: "Continue even if an SQL error occurs while dumping a table.", default: "FALSE"),
        OptionDefinition("log-error", argument: .required(valueName: "FILE"), group: behaviour, help: "Append warnings and errors to FILE."),
        OptionDefinition("verbose", short: "v", group: behaviour, help: "Print info about the various stages.", default: "FALSE"),
    ] + ObjectStoreSettings.definitions + CommonOptions.definitions + unsupported

    /// mysqldump options swiftdump does not implement yet. They are recognised so that a script
    /// using one is refused with the option's name, rather than told it is unknown or, worse,
    /// dumped differently than it asked.
    static let unsupportedNames: Set<String> = [
        "xml", "tab", "fields-terminated-by", "fields-enclosed-by", "fields-optionally-enclosed-by",
        "fields-escaped-by", "lines-terminated-by", "compatible", "delayed-insert", "dump-slave",
        "apply-slave-statements", "include-master-host-port", "delete-master-logs", "all-tablespaces",
        "flush-privileges", "ignore-table-data", "as-of", "system", "order-by-size",
        "max-statement-time", "copy-s3-tables", "header", "allow-keywords", "character-sets-dir",
        "galera-info", "tls-version", "plugin-dir", "default-auth", "print-defaults", "debug",
        "debug-check", "debug-info", "log-queries", "no-data-med", "pipe", "shared-memory-base-name",
        "init-command", "dump-system",
    ]

    private static var unsupported: [OptionDefinition] {
        let withValue: Set<String> = [
            "tab", "fields-terminated-by", "fields-enclosed-by", "fields-optionally-enclosed-by",
            "fields-escaped-by", "lines-terminated-by", "compatible", "ignore-table-data", "as-of",
            "system", "max-statement-time", "character-sets-dir", "tls-version", "plugin-dir",
            "default-auth", "shared-memory-base-name", "init-command",
        ]
        let withOptionalValue: Set<String> = ["dump-slave", "debug"]
        return unsupportedNames.sorted().map { name in
            let argument: OptionDefinition.Argument = withValue.contains(name) ? .required(valueName: "VALUE")
                : withOptionalValue.contains(name) ? .optional(valueName: "VALUE") : .none
            return OptionDefinition(name, argument: argument, group: "Not supported yet (refused)", help: "Recognised from mysqldump; refused.")
        }
    }
}
