#if canImport(Glibc)
import Glibc
#endif

/// Asks for a password on the controlling terminal with echo off, as `-p` without a value does.
enum PasswordPrompt {
    /// Reads one line from /dev/tty; nil when there is no terminal to ask.
    static func read(prompt: String = "Enter password: ") -> String? {
        guard let terminal = try? System.open("/dev/tty", O_RDWR | O_NOCTTY) else { return nil }
        defer { _ = try? System.close(terminal) }
        return System.withoutEcho(terminal) {
            defer { _ = try? System.write(terminal, all: [UInt8(ascii: "\n")][...]) }
            // The prompt after echo is off: whatever is typed once it shows is not echoed.
            _ = try? System.write(terminal, all: Array(prompt.utf8)[...])
            var bytes: [UInt8] = []
            var byte: [UInt8] = [0]
            while (try? System.read(terminal, into: &byte)) == 1,
                  byte[0] != UInt8(ascii: "\n") && byte[0] != UInt8(ascii: "\r") {
                bytes.append(byte[0])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
