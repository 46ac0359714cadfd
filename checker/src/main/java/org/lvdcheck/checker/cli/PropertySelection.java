package org.lvdcheck.checker.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --property ID}...: an id or a name, in any case. Empty means every property. */
public final class PropertySelection {
    @Option(names = "--property", paramLabel = "ID",
            description = "Check only this property (id like INV2 or name like pt-readonly, any case). Repeatable.")
    public List<String> properties = new ArrayList<>();
}
