package org.lvdcheck.properties;

import java.util.Locale;
import java.util.Optional;

/**
 * The property catalogue (DESIGN.md §4): id, name, when the property holds, the sentence of
 * the LVD paper (VEE'20, "Lightweight Kernel Isolation with Virtualization and VM Functions",
 * Narayanan et al.) it makes precise, what exactly is checked, and whether the check is over a
 * state, a step or both.
 *
 * <p>Every paper sentence here is a paraphrase in lvdcheck's words, never a quotation: only the
 * paper's abstract was available, and the five invariants are known from LVD-AS-BUILT.md §4.
 * {@link #paperSource()} says where each paraphrase comes from, and says so when the paper has
 * no such sentence and the property is lvdcheck's own. docs/PROPERTIES.md has the catalogue.
 */
public enum PropertyId {
    INV1("va-disjoint",
            "virtual ranges of domains, kernel and user processes do not overlap, except declared shared pages, "
                    + "which map the same frame with the declared rights",
            CheckKind.STATE,
            "An LVD's private virtual address ranges never overlap the kernel's; the kernel objects an LVD needs "
                    + "are mapped at the kernel's own addresses.",
            "paraphrase of the paper's invariant 1 (VA non-overlap), as LVD-AS-BUILT.md §4 records it",
            "over a state, on every CPU: for each domain view against the kernel view, against each process's user "
                    + "pages, and against every other domain view where both walk one page table (a CR3 whose root "
                    + "table is the same frame in both views; a domain with its own tables and EPT is an address "
                    + "space of its own), every guest-virtual page that translates in both "
                    + "(guest tables from every CR3 the view runs with, then that view's EPT) maps the same frame, "
                    + "declared shared with the domain on this CPU, with the domain's ring-0 rights within the "
                    + "declared rights; or the same frame, the domain's own, in the kernel view; or is a declared "
                    + "per-view page (the state page, a section linked at one address into both views) with a "
                    + "different frame in each; kernel pages against user pages: the same frame"),
    INV2("pt-readonly",
            "no domain can write any paging structure (its own page table, another's, an EPT, the EPTP list) "
                    + "through any mapping",
            CheckKind.STATE,
            "An LVD's page tables are mapped read-only inside the LVD, so the isolated code cannot change its own "
                    + "address translation.",
            "paraphrase of the paper's invariant 2 (read-only LVD page tables), as LVD-AS-BUILT.md §4 records it",
            "over a state: no domain view's EPT, on any CPU, maps with write permission a frame that is an EPT "
                    + "table of any view and CPU, an EPTP-list page (built, or named by a VMCS), or a guest page table "
                    + "reached from any CR3 a view runs with (the spec's PGDs, every thread's and CPU's CR3, the "
                    + "CR3-target values) through that view's EPT; the model keeps the VMCS outside guest memory"),
    INV3("pa-disjoint",
            "every frame a domain can reach is its own or declared shared; no kernel or other-domain frame, "
                    + "also not via hypercalls it can issue",
            CheckKind.STATE,
            "The physical memory of an LVD is disjoint from the kernel's and from every other LVD's; an LVD maps "
                    + "only memory granted to it and the kernel pages it is explicitly given.",
            "paraphrase of the paper's invariant 3 (physical non-overlap), as LVD-AS-BUILT.md §4 records it",
            "over a state: every frame a domain view's EPT maps, with any rights, on any CPU, is owned by that "
                    + "domain (its spec regions) or declared shared with it on that CPU with the EPT rights within "
                    + "the declared rights; and the policy serves a domain none of the hypercalls that give physical "
                    + "reach (0x4BF00034 map a page in the kernel EPT, 0x4BF00031 install an EPTP list, 0x4BF00021 "
                    + "turn the hypervisor off)"),
    INV4("sensitive-mediated",
            "interceptable sensitive state (CR0/3/4/8, DR0-7, MSRs incl. the x2APIC ICR, GDTR/IDTR/LDTR/TR, XCR0) "
                    + "is never changed from a domain: every attempt exits and is refused; EPTP lists, EPTs and the "
                    + "VMCS are never writable from a domain",
            CheckKind.STATE_AND_STEP,
            "Isolated ring-0 code must not control privileged instructions: a minimal hypervisor runs the kernel as "
                    + "a VT-x guest and intercepts every change of sensitive processor state, which EPT switching "
                    + "alone cannot prevent.",
            "paraphrase of the paper's abstract and of its invariant 4 (sensitive state mediated by the hypervisor)",
            "over a step: a step from a domain (EPTP not the kernel's, or CPL 3) that changes CR0/3/4/8, DR0-7, an "
                    + "MSR (the x2APIC ICR included), GDTR/IDTR/LDTR/TR or XCR0 is a violation: every such attempt "
                    + "must exit and be refused or kill the domain; over a state: INV2's EPT tables and EPTP-list "
                    + "pages are not writable from a domain view"),
    INV5("state-restored",
            "after every completed crossing the resumed side's GPRs, RFLAGS, segment state, FS/GS base, "
                    + "KERNEL_GS_BASE, PKRU, MXCSR and XCR0 components are as it left them, except declared return "
                    + "registers; the domain sees no kernel value other than declared arguments",
            CheckKind.STEP,
            "Every crossing between the kernel and an LVD saves and restores general-purpose, segment and "
                    + "FPU/SSE/AVX state, so neither side sees or keeps the other's register values.",
            "paraphrase of the paper's invariant 5 (state saved and restored on crossings), as LVD-AS-BUILT.md §4 "
                    + "records it",
            "over a step that completes a crossing: at the RET that returns from a kernel gate call "
                    + "(vmfunc_klcd_wrapper, vmfunc_trampoline_entry, vmfunc_springboard_entry) the kernel's RBX, RSP, "
                    + "RBP, R12-R15, RFLAGS (DF, AC, TF, IF, IOPL), segment registers, FS/GS base (GS base as the "
                    + "returning CPU's per-CPU area), IA32_KERNEL_GS_BASE, PKRU (with CR4.PKE), MXCSR, XCR0 and every "
                    + "XSAVE component XCR0 enables equal, value and label, the ghost copy taken at the call, and it "
                    + "returns to its return address; the other GPRs are the call's message, return and scratch "
                    + "registers. At a step into driver code, no register but the message registers (RDI, RSI, RDX, "
                    + "R8-R12) holds a kernel-only value (a per-CPU area, an irq stack, a thread's task, work block, "
                    + "FPU area or kernel stack, a kernel-only section)"),
    IRQ("irq-safe",
            "an interrupt, NMI or exception at any boundary, on any CPU, runs kernel code outside the transition "
                    + "code only under the kernel EPT and on a kernel-owned stack, consumes no frame a domain can "
                    + "modify, and resumes the interrupted context exactly",
            CheckKind.STEP,
            "Isolation must survive the kernel's execution model: interrupt handlers that are preemptible and run "
                    + "concurrently on several CPUs stay isolated, and interrupts that arrive inside an LVD are "
                    + "delivered without a VM exit.",
            "paraphrase of the paper's abstract",
            "a delivery reads no IDT gate, GDT descriptor or TSS stack slot a domain can write and pushes no frame "
                    + "through a domain's stack pointer under the kernel EPT; over a step taken while the thread "
                    + "handles an interrupt, NMI or exception (from its delivery to the IRETQ that ends it): no driver "
                    + "code runs, kernel code outside the declared transition code (an instruction or a kernel "
                    + "primitive) runs under the kernel EPT on a stack no domain view of another CPU can write, and "
                    + "that IRETQ resumes the ghost copy of the interrupted context (view, RIP, CS, RFLAGS, RSP, SS; "
                    + "an interrupted driver context may resume as the driver's)"),
    EXEC("code-ept",
            "no instruction executes from a page not owned by the active EPT's domain, transition code aside",
            CheckKind.STEP,
            "An LVD runs only its own code; the code it shares with the kernel is the call gate, a pair of pages "
                    + "mapped at the same address in both.",
            "paraphrase of the paper's call-gate design (LVD-AS-BUILT.md §1.1, §1.7); the property is lvdcheck's "
                    + "(DESIGN.md §4)",
            "over a step that executes an instruction: the frame of its first byte is owned by the domain of the "
                    + "active EPTP (the kernel for slot 0), or lies in the declared transition code"),
    ENTRY("entry-points",
            "after a VMFUNC a domain can execute, RIP+3 in every other valid slot's view is a declared landing "
                    + "that checks ECX, or a page that view's EPT does not execute",
            CheckKind.STATE,
            "EPT switching gives ring-0 code no well-defined entry points; the design must make every switch land "
                    + "where the system's state is restored securely.",
            "paraphrase of the paper's abstract",
            "over a state: for every address g from which a domain can execute VMFUNC (every byte of a "
                    + "domain-executable page it can write; otherwise every VMFUNC byte sequence in its code), under "
                    + "every CR3 it runs with, g + 3 in every other valid EPTP-list slot's view of its CPU is a "
                    + "declared landing that checks ECX (intact transition code whose instruction there is cmp $imm, "
                    + "%ecx followed by an intact je or jne, in a frame no domain can write), or lies in a page that "
                    + "view's EPT does not let execute "
                    + "(an EPT violation, never a guest fault)"),
    TAINT("no-attacker-pointers",
            "no kernel-mode access, hardware push or control transfer goes through an attacker-controlled address, "
                    + "stack pointer, segment base or frame field, outside the declared places",
            CheckKind.STEP,
            "On every transition the trusted side must restore its state from trusted sources, never from values "
                    + "the isolated code controls.",
            "paraphrase of the paper's abstract (\"securely restore state\"); the property is lvdcheck's "
                    + "(DESIGN.md §3)",
            "over a step: no trusted access, hardware push or control transfer uses a value labelled attacker "
                    + "(the compromised driver's) as an address, RIP, RSP, segment base, CR/MSR operand or IRET "
                    + "frame field, outside the declared places (message data, IDL bind lookups)"),
    CALL("call-integrity",
            "a domain invokes only the kernel functions its IDL declares; the kernel calls only driver function "
                    + "pointers registered through the IDL",
            CheckKind.STEP,
            "Calls across the boundary go through glue code generated from an interface definition, so only the "
                    + "functions the interface declares can be invoked from either side.",
            "paraphrase of the paper's IDL-based interface design (LVD-AS-BUILT.md §5)",
            "over a step that dispatches an RPC: a driver-to-kernel call runs only a function the domain's IDL "
                    + "declares as rpc; a kernel-to-driver call runs only a driver function the IDL declares "
                    + "(rpc_ptr, rpc_export) and registered through it"),
    DSAFE("data-safety", "a domain reads and writes only the projected fields of shared objects",
            CheckKind.STEP,
            "Only the fields an interface projection lists are exchanged between the kernel and an LVD.",
            "paraphrase of the paper's IDL projections (LVD-AS-BUILT.md §5.3)",
            "over a step into driver code: each message word (regs[1..6] in RDX, R8-R12) that the domain's IDL "
                    + "does not declare for the message delivered (the call of an RPC the kernel calls in the domain, "
                    + "or the reply of one the domain called, as word 0 names it) holds no kernel value"),
    DINTEG("data-integrity", "a domain cannot change kernel pointers or object types",
            CheckKind.STEP,
            "Each side keeps its own copy of a shared object and finds it by reference, so an LVD never holds or "
                    + "changes a kernel pointer.",
            "paraphrase of the paper's IDL ownership design (shadow objects, alloc/bind; LVD-AS-BUILT.md §5.3)",
            "over a step into driver code: no message word the IDL declares (the two headers included) holds a "
                    + "kernel value, since objects cross by reference; and over a step of a kernel handler of an RPC a "
                    + "domain calls: it uses no value the domain wrote as an address, stack pointer or target"),
    AVAIL("availability",
            "no reachable CPU is halted by an abort hypercall, an unhandled exit, a triple fault or a VMFUNC failure",
            CheckKind.STATE,
            "Isolation exists so that a faulty or compromised driver cannot bring down or take over the whole "
                    + "kernel.",
            "paraphrase of the paper's abstract (its motivation); the property is lvdcheck's (DESIGN.md §4)",
            "over a state: no CPU is stopped by the hypervisor (an abort hypercall, an unhandled VM exit, a triple "
                    + "fault or a VMFUNC failure); the stopping step's event names the cause; and no CPU "
                    + "locks up: after a backward step in trusted code under the kernel's view with IF clear, the CPU "
                    + "does not come back to a state it passed through forced, CPU-local steps (a spin no interrupt or "
                    + "kill ends)");

    private final String propertyName;
    private final String holdsWhen;
    private final CheckKind kind;
    private final String paperSentence;
    private final String paperSource;
    private final String statement;

    PropertyId(String propertyName, String holdsWhen, CheckKind kind, String paperSentence, String paperSource,
            String statement) {
        this.propertyName = propertyName;
        this.holdsWhen = holdsWhen;
        this.kind = kind;
        this.paperSentence = paperSentence;
        this.paperSource = paperSource;
        this.statement = statement;
    }

    public String propertyName() {
        return propertyName;
    }

    /** The one-line summary of DESIGN.md §4's table. */
    public String holdsWhen() {
        return holdsWhen;
    }

    /** Whether the explicit check is over a state, a step, or both. */
    public CheckKind kind() {
        return kind;
    }

    /** The paper's sentence this property makes precise, in lvdcheck's words (a paraphrase). */
    public String paperSentence() {
        return paperSentence;
    }

    /** Where {@link #paperSentence()} comes from, and whether the property is the paper's or lvdcheck's. */
    public String paperSource() {
        return paperSource;
    }

    /** What exactly is checked, over a state or a step. */
    public String statement() {
        return statement;
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
