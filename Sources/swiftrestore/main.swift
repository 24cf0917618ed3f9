import SwiftDumpCore
#if canImport(Glibc)
import Glibc
#endif

exit(RestoreCommand.main())
