import SwiftDumpCore
#if canImport(Glibc)
import Glibc
#endif

var output = StandardStream.output
var errors = StandardStream.error
exit(RestoreCommand.run(Array(CommandLine.arguments.dropFirst()), output: &output, errors: &errors))
