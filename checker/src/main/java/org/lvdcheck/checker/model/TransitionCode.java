package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.List;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.lvd.Model;

/**
 * The transition code the spec declares ({@code section ... transition=yes}, DESIGN.md §4):
 * the gate pages and the interrupt entry code that run under a domain's EPT by design. IRQ
 * and EXEC exempt exactly these guest-virtual ranges; every report lists them.
 */
public final class TransitionCode {
    /** One declared range, {@code [start, end)} in the view that linked it. */
    public record Range(String section, String view, long start, long end) {
        public boolean contains(long gva) {
            return Long.compareUnsigned(gva, start) >= 0 && Long.compareUnsigned(gva, end) < 0;
        }
    }

    private final List<Range> ranges;

    public TransitionCode(LvdSystem system) {
        List<Range> r = new ArrayList<>();
        for (Model.Section s : system.spec().sections()) {
            if (!s.transition()) {
                continue;
            }
            for (var e : system.images().entrySet()) {
                LinkedImage img = e.getValue();
                if ((s.view() == null || s.view().equals(e.getKey())) && img.sectionNames().contains(s.name())
                        && img.sectionEnd(s.name()) > img.sectionStart(s.name())) {
                    r.add(new Range(s.name(), e.getKey(), img.sectionStart(s.name()), img.sectionEnd(s.name())));
                }
            }
        }
        this.ranges = List.copyOf(r);
    }

    public List<Range> ranges() {
        return ranges;
    }

    public boolean contains(long gva) {
        for (Range r : ranges) {
            if (r.contains(gva)) {
                return true;
            }
        }
        return false;
    }
}
