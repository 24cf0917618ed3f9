import SwiftDumpCore
print(SwiftDumpVersion.line(program: "swiftrestore"))
