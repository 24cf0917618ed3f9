#if canImport(Glibc)
import Glibc
#endif

/// The process's own argument strings, as the kernel shows them in /proc/PID/cmdline.
enum ProcessArguments {
    /// Overwrites argument `span.argument` (0: the first after the program name) with `x`
    /// from byte `span.offset` to its end, in place: `-pSECRET` becomes `-pxxxxxx`.
    static func overwrite(_ span: ArgumentSpan) {
        let index = Int(CommandLine.argc) > span.argument + 1 ? span.argument + 1 : -1
        guard index > 0, let argument = CommandLine.unsafeArgv[index] else { return }
        let length = strlen(argument)
        guard span.offset < length else { return }
        for position in span.offset..<length { argument[position] = CChar(UInt8(ascii: "x")) }
    }
}
