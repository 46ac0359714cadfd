package org.lvdcheck.checker.cli;

import picocli.CommandLine;

/** Tool version, as recorded in every report header. */
public final class Version implements CommandLine.IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"lvdcheck " + VERSION};
    }
}
