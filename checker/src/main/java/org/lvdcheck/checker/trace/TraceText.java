package org.lvdcheck.checker.trace;

import java.util.Locale;

/** The readable form of a trace (DESIGN.md §7): one block per step, only what changed. */
public final class TraceText {
    private TraceText() {
    }

    public static String of(TraceFile t) {
        StringBuilder sb = new StringBuilder();
        sb.append(t.property()).append(' ').append(t.propertyName()).append(" violated in ").append(t.steps().size())
                .append(" steps (spec ").append(t.specName()).append(")\n");
        sb.append("evidence: ").append(t.evidence()).append('\n');
        for (TraceStep s : t.steps()) {
            sb.append(String.format(Locale.ROOT, "%4d  cpu%d  %-7s %016x  %s%s%n", s.index(), s.cpu(), s.view(), s.rip(),
                    s.action().equals("execute") ? "" : s.action() + "  ", s.instruction()));
            for (String e : s.events()) {
                sb.append("        | ").append(e).append('\n');
            }
            for (String c : s.changes()) {
                sb.append("          ").append(c).append('\n');
            }
            for (TraceStep.TraceViolation v : s.violations()) {
                sb.append("        ! ").append(v.property()).append(": ").append(v.evidence()).append('\n');
            }
        }
        return sb.toString();
    }
}
