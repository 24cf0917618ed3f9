import CZlib
import CZstd

/// The compression libraries swiftdump calls in-process (it never runs gzip or zstd).
/// The compressors themselves arrive with the compressed-output work; this names the versions.
public enum CompressionLibraries {
    public static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }
    public static var zstdVersion: String { String(cString: ZSTD_versionString()) }
}
