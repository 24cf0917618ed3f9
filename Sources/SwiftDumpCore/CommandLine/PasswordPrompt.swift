#if canImport(Glibc)
import Glibc
#endif

/// Asks for a password on the controlling terminal with echo off, as `-p` without a value does.
enum PasswordPrompt {
    /// Reads one line from /dev/tty; nil when there is no terminal to ask.
    static func read(prompt: String = "Enter password: ") -> String? {
        let terminal = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard terminal >= 0 else { return nil }
        defer { close(terminal) }
        var saved = termios()
        let haveAttributes = tcgetattr(terminal, &saved) == 0
        if haveAttributes {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(terminal, TCSANOW, &silent)
        }
        defer {
            if haveAttributes { tcsetattr(terminal, TCSANOW, &saved) }
            _ = write(terminal, "\n", 1)
        }
        // The prompt after echo is off: whatever is typed once it shows is not echoed.
        _ = prompt.withCString { write(terminal, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(terminal, &byte, 1) == 1 && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") {
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
