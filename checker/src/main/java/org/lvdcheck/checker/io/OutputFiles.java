package org.lvdcheck.checker.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes every report, trace and page lvdcheck produces: to a temporary file beside the
 * target, then moved into place in one step, so a reader never sees a half-written file and
 * a failed run leaves the old file (or none) behind.
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    public static void write(Path to, String text) throws IOException {
        Path abs = to.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), ".lvdcheck-", ".tmp");
        try {
            Files.writeString(tmp, text);
            readableByAll(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A temporary file is created owner-only; a report is a plain file like any the user writes (rw-r--r--). */
    private static void readableByAll(Path p) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
