package org.lvdcheck.checker.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page for one or more traces (DESIGN.md §7): one lane per CPU, each
 * step in the lane of the CPU that took it, coloured by the view (EPT) active before it.
 */
public final class TraceHtml {
    private static final String[] COLOURS = {"#e8f0fe", "#fde7e9", "#e6f4ea", "#fef7e0", "#f3e8fd", "#e0f7fa"};

    private TraceHtml() {
    }

    public static String page(String title, List<TraceFile> traces) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;font-family:monospace;"
                        + "font-size:12px}.v{color:#b00020;font-weight:bold}.n{color:#555}</style></head><body>\n");
        sb.append("<h1>").append(esc(title)).append("</h1>\n");
        for (TraceFile t : traces) {
            section(sb, t);
        }
        return sb.append("</body></html>\n").toString();
    }

    private static void section(StringBuilder sb, TraceFile t) {
        int cpus = 1 + t.steps().stream().mapToInt(TraceStep::cpu).max().orElse(0);
        Map<String, String> colour = new LinkedHashMap<>();
        for (TraceStep s : t.steps()) {
            colour.computeIfAbsent(s.view(), v -> COLOURS[colour.size() % COLOURS.length]);
        }
        sb.append("<section><h2>").append(esc(t.property())).append(' ').append(esc(t.propertyName()))
                .append(" — ").append(t.steps().size()).append(" steps</h2>\n<p>").append(esc(t.evidence()))
                .append("</p>\n<p>");
        colour.forEach((v, c) -> sb.append("<span style=\"background:").append(c).append(";padding:2px 6px\">")
                .append(esc(v)).append("</span> "));
        sb.append("</p>\n<table><tr><th>step</th>");
        for (int c = 0; c < cpus; c++) {
            sb.append("<th>cpu").append(c).append("</th>");
        }
        sb.append("</tr>\n");
        for (TraceStep s : t.steps()) {
            sb.append("<tr><td>").append(s.index()).append("</td>");
            for (int c = 0; c < cpus; c++) {
                if (c != s.cpu()) {
                    sb.append("<td></td>");
                    continue;
                }
                sb.append("<td style=\"background:").append(colour.get(s.view())).append("\">")
                        .append(String.format(Locale.ROOT, "%016x ", s.rip()));
                if (!s.action().equals("execute")) {
                    sb.append(esc(s.action())).append(' ');
                }
                sb.append(esc(s.instruction()));
                for (String e : s.events()) {
                    sb.append("<br>| ").append(esc(e));
                }
                for (String ch : s.changes()) {
                    sb.append("<br><span class=\"n\">").append(esc(ch)).append("</span>");
                }
                for (TraceStep.TraceViolation v : s.violations()) {
                    sb.append("<br><span class=\"v\">").append(esc(v.property())).append(": ").append(esc(v.evidence()))
                            .append("</span>");
                }
                sb.append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table></section>\n");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
