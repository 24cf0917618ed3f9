import SwiftDumpCore
print(SwiftDumpVersion.line(program: "swiftdump"))
