import SwiftDumpCore
#if canImport(Glibc)
import Glibc
#endif

exit(DumpCommand.main())
