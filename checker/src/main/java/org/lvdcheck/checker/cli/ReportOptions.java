package org.lvdcheck.checker.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** REPORTS = [--json F] [--sarif F] [--junit F] [--html F] (DESIGN.md §8). */
public final class ReportOptions {
    @Option(names = "--json", paramLabel = "F", description = "Write the JSON report to F.")
    public Path json;

    @Option(names = "--sarif", paramLabel = "F", description = "Write a SARIF 2.1.0 report to F.")
    public Path sarif;

    @Option(names = "--junit", paramLabel = "F", description = "Write a JUnit XML report to F.")
    public Path junit;

    @Option(names = "--html", paramLabel = "F", description = "Write a self-contained HTML page to F.")
    public Path html;

    public boolean any() {
        return json != null || sarif != null || junit != null || html != null;
    }
}
