package org.lvdcheck.emulator.machine;

/**
 * The finite repertoire of the compromised driver (DESIGN.md §3). Every move but {@link Write}
 * starts from the driver's registers clobbered to ⊤ (all GPRs, the status flags, FS/GS base,
 * IA32_KERNEL_GS_BASE, the debug registers, PKRU, MXCSR and the XSAVE components; the control
 * flags IF, DF, AC, TF and XCR0 stay concrete) and then fixes the registers the move names.
 * {@link Adversary} enumerates the moves enabled in a state and applies them.
 */
public sealed interface DriverMove {

    /**
     * VMFUNC with EAX = {@code eax}, ECX = {@code ecx} executed at {@code site}: the first byte of
     * an executable page of the driver's code, or a VMFUNC instruction of transition code the
     * domain can execute. After an EPTP switch execution continues at {@code site} + 3 in the
     * new view.
     */
    record Vmfunc(long eax, long ecx, long site) implements DriverMove {
        @Override
        public String toString() {
            return "vmfunc eax=" + eax + " ecx=" + ecx + " at 0x" + Long.toHexString(site);
        }
    }

    /** A jump to {@code target} (an instruction of transition code, or a label of the driver's code) with IF as given. */
    record Jump(long target, boolean interruptsEnabled) implements DriverMove {
        @Override
        public String toString() {
            return "jump to 0x" + Long.toHexString(target) + " with IF=" + (interruptsEnabled ? 1 : 0);
        }
    }

    /** The privileged instructions the driver may execute (each through the executor and the hypervisor). */
    enum Kind {
        MOV_TO_CR0("movq %rax, %cr0"), MOV_TO_CR3("movq %rax, %cr3"), MOV_TO_CR3_TARGET("movq %rax, %cr3"),
        MOV_TO_CR4("movq %rax, %cr4"), MOV_TO_CR8("movq %rax, %cr8"), MOV_TO_DR7("movq %rax, %db7"),
        WRMSR("wrmsr"), RDMSR("rdmsr"), LGDT("lgdt (%rax)"), LIDT("lidt (%rax)"), LLDT("lldt %ax"), LTR("ltr %ax"),
        XSETBV("xsetbv"), IN("inb $0x80, %al"), OUT("outb %al, $0x80"), CLI("cli"), STI("sti"),
        WRFSBASE("wrfsbase %rax"), WRGSBASE("wrgsbase %rax"), SWAPGS("swapgs"), WRPKRU("wrpkru"), HLT("hlt"),
        CPUID("cpuid"), VMCALL("vmcall");

        private final String source;

        Kind(String source) {
            this.source = source;
        }

        /** The instruction in the GNU assembler syntax the model parses. */
        public String source() {
            return source;
        }
    }

    /**
     * Privileged instruction {@code kind}. {@code operand} is the concrete part the move fixes:
     * the MSR index (WRMSR, RDMSR), the CPUID leaf, the CR3-target value (MOV_TO_CR3_TARGET) or
     * the TPR class (MOV_TO_CR8); -1 where the operand is ⊤.
     */
    record Privileged(Kind kind, long operand) implements DriverMove {
        @Override
        public String toString() {
            return operand >= 0 ? kind.source() + " (0x" + Long.toHexString(operand) + ")" : kind.source();
        }
    }

    /**
     * WRMSR of {@code icr} to the x2APIC ICR (MSR 830H), the driver's IPI of its choice
     * (SDM Vol. 3A 10.12.9): EDX:EAX = {@code icr}, ECX = 830H, every other register ⊤.
     */
    record IcrWrite(long icr) implements DriverMove {
        @Override
        public String toString() {
            org.lvdcheck.emulator.irq.IpiRequest r = org.lvdcheck.emulator.irq.Lapic.decodeIcrX2apic(icr);
            String to = r.shorthand() == org.lvdcheck.emulator.irq.IpiRequest.Shorthand.NONE && !r.logical()
                    ? "cpu" + Integer.toUnsignedString(r.destination()) : r.describe().replaceFirst("^.* to ", "");
            return "wrmsr ICR: " + (r.mode() == org.lvdcheck.emulator.irq.IpiRequest.DeliveryMode.NMI ? "NMI"
                    : r.mode() == org.lvdcheck.emulator.irq.IpiRequest.DeliveryMode.FIXED
                    ? "vector 0x" + Integer.toHexString(r.vector()) : "0x" + Long.toHexString(icr)) + " to " + to;
        }
    }

    /** POPF of an image whose control flags IF, AC, DF and TF are as given (the status flags ⊤). */
    record Popf(boolean ifFlag, boolean ac, boolean df, boolean tf) implements DriverMove {
        @Override
        public String toString() {
            return "popf IF=" + (ifFlag ? 1 : 0) + " AC=" + (ac ? 1 : 0) + " DF=" + (df ? 1 : 0) + " TF=" + (tf ? 1 : 0);
        }
    }

    /**
     * Writes of the driver's choosing to every host frame the model tracks concretely that its view
     * writes on this CPU (DomainWrites; in ascending order): each becomes ⊤. One move for all of
     * them: ⊤ already stands for any content, the unchanged one included, so a driver that writes
     * some of them is covered by this one (docs/MODEL.md, "One write move for all tracked frames").
     */
    record Write(java.util.List<Long> frames) implements DriverMove {
        public Write {
            frames = java.util.List.copyOf(frames);
            if (frames.isEmpty()) {
                throw new IllegalArgumentException("a write move needs a tracked frame");
            }
        }

        @Override
        public String toString() {
            long first = frames.get(0) << 12, last = (frames.get(frames.size() - 1) << 12) + 0xFFF;
            return frames.size() == 1 ? "write frame 0x" + Long.toHexString(first)
                    : "write " + frames.size() + " tracked frames 0x" + Long.toHexString(first) + "-0x" + Long.toHexString(last);
        }
    }

    /**
     * An access the domain's EPT refuses: an EPT violation, a VM exit (reason 48) the spec's
     * policy decides (the address does not matter to the hypervisor's handler).
     */
    record EptViolation() implements DriverMove {
        @Override
        public String toString() {
            return "an access the domain's EPT refuses";
        }
    }

    /** An instruction of the driver raises exception {@code vector} (error code 0 where it has one). */
    record Raise(int vector) implements DriverMove {
        @Override
        public String toString() {
            return "raise vector " + vector;
        }
    }
}
