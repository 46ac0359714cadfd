package org.lvdcheck.checker.model;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.Step;

/**
 * The INVEPT obligation (DESIGN.md §2; docs/MODEL.md, "Paging-structure caches"): the model keeps
 * no TLB or paging-structure cache, which is conservative only while trusted code follows every
 * removal or downgrade of an EPT translation with an INVEPT. Every step the explorer takes is
 * offered to {@link #observe}; each {@link Event.StaleTranslation} it shows is recorded by what
 * changed where. A run that saw one cannot report "holds": from that step on a processor may use a
 * translation the model no longer has. Violations it finds stay real (a processor may also drop
 * any cached translation at any time, so the model's behaviour is one the hardware can show).
 * Safe for the explorer's worker threads; the set is sorted, so the report does not depend on
 * which worker saw a change first.
 */
public final class InveptObligations {
    private final ConcurrentSkipListSet<String> unmet = new ConcurrentSkipListSet<>();

    /** Records the stale translations step {@code st} leaves. */
    public void observe(Step st) {
        for (Event e : st.events()) {
            if (e instanceof Event.StaleTranslation t) {
                unmet.add(describe(t));
            }
        }
    }

    /** Every distinct unmet obligation seen so far, sorted. */
    public List<String> unmet() {
        return List.copyOf(unmet);
    }

    static String describe(Event.StaleTranslation t) {
        return t.by() + " changed GPA 0x" + Long.toHexString(t.gpa()) + " in the " + t.ept() + " with no INVEPT";
    }
}
