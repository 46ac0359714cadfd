package org.lvdcheck.properties;

import java.util.Locale;
import java.util.Optional;

/**
 * The property catalogue (DESIGN.md §4): id, name, and when the property holds.
 * The explicit checks over states and steps are attached by the explorer (issue 3).
 */
public enum PropertyId {
    INV1("va-disjoint",
            "virtual ranges of domains, kernel and user processes do not overlap, except declared shared pages, "
                    + "which map the same frame with the declared rights"),
    INV2("pt-readonly",
            "no domain can write any paging structure (its own page table, another's, an EPT, the EPTP list) "
                    + "through any mapping"),
    INV3("pa-disjoint",
            "every frame a domain can reach is its own or declared shared; no kernel or other-domain frame, "
                    + "also not via hypercalls it can issue"),
    INV4("sensitive-mediated",
            "interceptable sensitive state (CR0/3/4/8, DR0-7, MSRs incl. the x2APIC ICR, GDTR/IDTR/LDTR/TR, XCR0) "
                    + "is never changed from a domain: every attempt exits and is refused; EPTP lists, EPTs and the "
                    + "VMCS are never writable from a domain"),
    INV5("state-restored",
            "after every completed crossing the resumed side's GPRs, RFLAGS, segment state, FS/GS base, "
                    + "KERNEL_GS_BASE, PKRU, MXCSR and XCR0 components are as it left them, except declared return "
                    + "registers; the domain sees no kernel value other than declared arguments"),
    IRQ("irq-safe",
            "an interrupt, NMI or exception at any boundary, on any CPU, runs kernel code outside the transition "
                    + "code only under the kernel EPT and on a kernel-owned stack, consumes no frame a domain can "
                    + "modify, and resumes the interrupted context exactly"),
    EXEC("code-ept",
            "no instruction executes from a page not owned by the active EPT's domain, transition code aside"),
    ENTRY("entry-points",
            "after a VMFUNC a domain can execute, RIP+3 in every other valid slot's view is a declared landing "
                    + "that checks ECX, or a page that view's EPT does not execute"),
    TAINT("no-attacker-pointers",
            "no kernel-mode access, hardware push or control transfer goes through an attacker-controlled address, "
                    + "stack pointer, segment base or frame field, outside the declared places"),
    CALL("call-integrity",
            "a domain invokes only the kernel functions its IDL declares; the kernel calls only driver function "
                    + "pointers registered through the IDL"),
    DSAFE("data-safety", "a domain reads and writes only the projected fields of shared objects"),
    DINTEG("data-integrity", "a domain cannot change kernel pointers or object types"),
    AVAIL("availability",
            "no reachable CPU is halted by an abort hypercall, an unhandled exit, a triple fault or a VMFUNC failure");

    private final String propertyName;
    private final String holdsWhen;

    PropertyId(String propertyName, String holdsWhen) {
        this.propertyName = propertyName;
        this.holdsWhen = holdsWhen;
    }

    public String propertyName() {
        return propertyName;
    }

    public String holdsWhen() {
        return holdsWhen;
    }

    /** Looks a property up by id ("INV2") or name ("pt-readonly"), in any case. */
    public static Optional<PropertyId> lookup(String idOrName) {
        String k = idOrName.trim();
        for (PropertyId p : values()) {
            if (p.name().equalsIgnoreCase(k) || p.propertyName.equalsIgnoreCase(k)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name() + " " + propertyName.toLowerCase(Locale.ROOT);
    }
}
