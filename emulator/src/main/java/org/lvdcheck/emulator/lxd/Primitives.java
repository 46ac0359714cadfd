package org.lvdcheck.emulator.lxd;

import java.util.List;

/**
 * The kernel's C routines that the gate and entry code reach with {@code call}, modelled
 * as atomic Java steps (docs/MODEL.md, "Kernel primitives"; docs/PRIMITIVES.md for each
 * one's C source). The linker resolves each name to an entry address of its own in every
 * view, in a page of the kernel image (or of the module, for the domain's copy of
 * {@code __vmfunc_dispatch}) that no view maps for execution, so the only way in is the
 * modelled call.
 */
public final class Primitives {
    private Primitives() {}

    public static final List<String> NAMES = List.of(
            "pick_stack", "drop_stack", "save_fpu_regs", "restore_fpu_regs", "__vmfunc_dispatch", "remap_cr3",
            "sync_stacks", "sync_regs", "do_IRQ", "__schedule", "prepare_exit_to_usermode", "do_exception",
            "do_nmi", "do_exit", "lvd_kill_current_domain", "lvd_enter_domain_state", "lvd_enter_kernel_state",
            "lvd_irq_in_service", "do_raw_spin_lock", "do_raw_spin_unlock");

    /** Entry addresses of the kernel view's primitives: 16 bytes apart from this GVA. */
    public static final long KERNEL_BASE = 0xffffffff81f00000L;
    /** Entry addresses of a domain view's primitives (its handle_rpc_calls). */
    public static final long DOMAIN_BASE = 0xffffffffa0f00000L;

    public static long address(int viewIndex, String name) {
        int i = NAMES.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("not a primitive: " + name);
        }
        return (viewIndex == 0 ? KERNEL_BASE : DOMAIN_BASE + (long) viewIndex * 0x10000) + 16L * i;
    }
}
