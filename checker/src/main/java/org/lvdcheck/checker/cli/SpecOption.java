package org.lvdcheck.checker.cli;

import picocli.CommandLine.Option;

/** {@code --spec S}: a {@code .lvd} file or the name of a built-in spec. */
public final class SpecOption {
    public static final String DEFAULT_SPEC = "lvd-hardened";

    @Option(names = "--spec", paramLabel = "S", defaultValue = DEFAULT_SPEC,
            description = "A .lvd file, or a built-in spec name: lvd-hardened, lvd-as-built, or a seeded fault "
                    + "(fault-gate-rsp, ...: docs/SEEDED-FAULTS.md). Default: ${DEFAULT-VALUE}.")
    public String spec;
}
