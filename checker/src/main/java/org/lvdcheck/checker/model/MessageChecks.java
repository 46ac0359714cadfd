package org.lvdcheck.checker.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.checker.explore.Violation;
import org.lvdcheck.emulator.cpu.ArchRegs;
import org.lvdcheck.emulator.lxd.LvdSystem;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.asm.LinkedImage;
import org.lvdcheck.spec.idl.MessageWords;

/**
 * DSAFE (data-safety) and DINTEG (data-integrity) over what crosses the boundary, with the
 * interface each domain's IDL declares (docs/PROPERTIES.md; {@link MessageWords}). In the model,
 * as in LVD's glue, objects cross by reference and their projected fields by value, one value per
 * message word: word 0 the ids, {@code regs[0]} the number of words, {@code regs[1..6]} the values
 * (in REG2-REG7: RDX, R8-R12).
 *
 * <ul>
 * <li><b>DSAFE.</b> At a step into driver code (where INV5 checks the other registers), a message
 * register that the IDL does not declare for the message delivered holds no kernel value
 * ({@link KernelValues}). The message delivered is named by word 0 (RDI): the rpc_id of an RPC
 * the kernel calls in the domain (its call words are declared) or of one the domain called in the
 * kernel (this is its reply: the reply words are declared); any other entry (an IRET, ⊤ ids, an
 * unknown RPC) declares no word beyond the two headers.</li>
 * <li><b>DINTEG, kernel pointers handed over.</b> At the same step, no declared word (headers
 * included) holds a kernel value: the domain receives references, never the kernel's pointers.</li>
 * <li><b>DINTEG, pointers followed.</b> No kernel handler of an RPC a domain calls (the code from the
 * handler's symbol to the next symbol of its section) uses a value the domain wrote (⊤) as an
 * address, stack pointer or target: the kernel finds its objects by reference. The step is the
 * same use of ⊤ that TAINT reports; only the handler's own instructions count, not the delivery
 * of an interrupt that arrives where it starts ({@link StepChecks}).</li>
 * </ul>
 */
final class MessageChecks {
    /** The registers that carry regs[1..6]. */
    private static final int[] WORD_REGS = {ArchRegs.RDX, ArchRegs.R8, ArchRegs.R9, ArchRegs.R10, ArchRegs.R11,
        ArchRegs.R12};
    private static final String[] WORD_REG_NAMES = {"rdx", "r8", "r9", "r10", "r11", "r12"};

    private final LvdSystem system;
    private final KernelValues kernelValues;
    private final long rpcCall;
    private final Map<Long, String> rpcNames = new HashMap<>();
    /** Kernel RPC handlers: [start, end) and the function, for every function some domain's IDL imports. */
    private final List<long[]> handlerRanges = new ArrayList<>();
    private final List<String> handlerNames = new ArrayList<>();

    MessageChecks(LvdSystem system, KernelValues kernelValues) {
        this.system = system;
        this.kernelValues = kernelValues;
        LinkedImage kernel = system.images().get("kernel");
        this.rpcCall = kernel.symbol("VMFUNC_RPC_CALL").orElse(-1);
        for (Map.Entry<String, Long> e : kernel.symbols().entrySet()) {
            if (e.getKey().startsWith("RPC_ID_")) {
                rpcNames.putIfAbsent(e.getValue(), e.getKey().substring("RPC_ID_".length()));
            }
        }
        java.util.Set<String> imported = new java.util.TreeSet<>();
        system.interfaces().values().forEach(i -> imported.addAll(i.kernelFunctions()));
        for (String fn : imported) {
            java.util.OptionalLong at = kernel.symbol(fn);
            String section = at.isPresent() ? sectionOf(kernel, at.getAsLong()) : null;
            if (section == null) {
                continue;
            }
            long start = at.getAsLong();
            long end = kernel.sectionEnd(section);
            for (long v : kernel.symbols().values()) {
                if (Long.compareUnsigned(v, start) > 0 && Long.compareUnsigned(v, end) < 0) {
                    end = v;
                }
            }
            handlerRanges.add(new long[] {start, end});
            handlerNames.add(fn);
        }
    }

    private static String sectionOf(LinkedImage img, long address) {
        for (String s : img.sectionNames()) {
            if (Long.compareUnsigned(address, img.sectionStart(s)) >= 0
                    && Long.compareUnsigned(address, img.sectionEnd(s)) < 0) {
                return s;
            }
        }
        return null;
    }

    /** What a step into driver code of domain view {@code view} on CPU {@code c} hands over in its message registers. */
    void delivered(int c, int view, ArchRegs r, List<Violation> out) {
        String domain = system.viewName(view);
        LvdSystem.DomainInterface itf = system.interfaces().get(domain);
        List<MessageWords.Word> declared = List.of();
        String message = "no message (no RPC of " + domain + "'s IDL named by word 0)";
        if (itf != null && !r.gprTainted(ArchRegs.RDI) && (r.gpr(ArchRegs.RDI) >>> 32) == rpcCall) {
            String fn = rpcNames.get(r.gpr(ArchRegs.RDI) & 0xFFFF_FFFFL);
            MessageWords w = fn == null ? null : itf.message(fn);
            if (w != null && itf.driverFunctions().contains(fn)) {
                declared = w.call();
                message = "the call of " + fn;
            } else if (w != null && itf.kernelFunctions().contains(fn)) {
                declared = w.reply();
                message = "the reply of " + fn;
            }
        }
        List<String> handed = new ArrayList<>();
        List<String> undeclared = new ArrayList<>();
        kernelValue(handed, "word 0 (rdi)", r, ArchRegs.RDI);
        kernelValue(handed, "regs[0] (rsi)", r, ArchRegs.RSI);
        for (int k = 0; k < WORD_REGS.length; k++) {
            if (k < declared.size()) {
                kernelValue(handed, "regs[" + (k + 1) + "] (" + WORD_REG_NAMES[k] + ", " + declared.get(k) + ")", r,
                        WORD_REGS[k]);
            } else {
                kernelValue(undeclared, "regs[" + (k + 1) + "] (" + WORD_REG_NAMES[k] + ")", r, WORD_REGS[k]);
            }
        }
        String where = "cpu" + c + " enters " + domain + "'s driver code at "
                + (r.tainted(ArchRegs.T_RIP) ? "⊤" : "0x" + Long.toHexString(r.rip())) + " with " + message;
        if (!undeclared.isEmpty()) {
            out.add(new Violation(PropertyId.DSAFE.name(), where + ", which declares " + declared.size()
                    + (declared.size() == 1 ? " word" : " words") + (declared.isEmpty() ? "" : " " + declared)
                    + ", and kernel data in message words it does not declare: " + String.join("; ", undeclared)));
        }
        if (!handed.isEmpty()) {
            out.add(new Violation(PropertyId.DINTEG.name(), where + ", and kernel pointers where the IDL passes "
                    + "values and references: " + String.join("; ", handed)));
        }
    }

    private void kernelValue(List<String> out, String name, ArchRegs r, int gpr) {
        if (r.gprTainted(gpr)) {
            return;
        }
        String what = kernelValues.kernelOnly(r.gpr(gpr));
        if (what != null) {
            out.add(name + " = 0x" + Long.toHexString(r.gpr(gpr)) + " (" + what + ")");
        }
    }

    /** A use of ⊤ on CPU {@code c} under the kernel's EPT: DINTEG when a kernel RPC handler made it. */
    void taintUse(int c, int view, Event.TaintUse u, List<Violation> out) {
        if (view != 0) {
            return;
        }
        for (int i = 0; i < handlerRanges.size(); i++) {
            long[] range = handlerRanges.get(i);
            if (Long.compareUnsigned(u.rip(), range[0]) >= 0 && Long.compareUnsigned(u.rip(), range[1]) < 0) {
                out.add(new Violation(PropertyId.DINTEG.name(), "cpu" + c + " at 0x" + Long.toHexString(u.rip())
                        + ": the kernel's handler " + handlerNames.get(i) + " follows a value a domain wrote: "
                        + u.what()));
                return;
            }
        }
    }
}
