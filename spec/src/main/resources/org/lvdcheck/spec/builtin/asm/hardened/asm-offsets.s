# asm-offsets.s -- lvd-hardened (minimal diff against ../as-built; changed lines say "# hardened: GAP-ID", docs/HARDENING.md)
#
# Constants only (.equ), in the role of Linux's generated asm-offsets.h
# (arch/x86/kernel/asm-offsets_64.c).  Every other file of this directory
# includes it.  The emulator reads these symbols from the linked image to lay
# out memory, so this file is the single source of truth for every offset,
# id and vector the gate and entry code use.  Provenance: docs/GATE-PROVENANCE.md.

# ---------------------------------------------------------------------------
# struct vmfunc_state: the per-CPU "vmfunc state page" at GVA vmfunc_state_page
# (arch/x86/include/asm/desc.h; asm-offsets_64.c).  in_kernel, cpuid,
# kernel_gs_base and lcd_gs_base are 32-bit fields as built.  The offsets of
# entered_lcd (16) and kernel_esp (24) are stated by comments in
# lcd-domains/microkernel/vmfunc_entry.c; lcd_stack_saved and debug_stack were
# [not found] in a stored header and are placed after kernel_esp.  ept_id is
# the model's: the microkernel writes each view's slot into its copy, so that
# the interrupt entry knows which domain it interrupted (lvd-linux has one LVD,
# always slot 1).
# ---------------------------------------------------------------------------
.equ VMFUNC_in_kernel,          0       # u32: 1 in the kernel EPT's copy only
.equ VMFUNC_cpuid,              4       # u32: cpu number
.equ VMFUNC_kernel_gs_base,     48      # u64 # hardened: G2-gs-width
.equ VMFUNC_lcd_gs_base,        56      # u64, unused: R14 holds it # hardened: G14-lcd-gs-percpu
.equ VMFUNC_entered_lcd,        16      # u64: written with movq
.equ VMFUNC_kernel_esp,         24      # u64: kernel RSP saved by the gate
.equ VMFUNC_lcd_stack_saved,    32      # u64: written with movq
.equ VMFUNC_debug_stack,        40      # u64
.equ VMFUNC_ept_id,             64      # u32, after the 64-bit GS fields # hardened: G2-gs-width
.equ VMFUNC_irq_stack_top,      72      # u64, kernel copy: this CPU's IST 5 top # hardened: G23-entry-rsp
.equ VMFUNC_STATE_SIZE,         80      # hardened: G2-gs-width; G23-entry-rsp
.equ VMFUNC_GS_BASE_BYTES,      8       # operand width of the GS-base fields # hardened: G2-gs-width
.equ VMFUNC_STATE_PAGE_SIZE,    4096

# ---------------------------------------------------------------------------
# task_struct: only the fields the gate code touches (include/linux/sched.h
# of lvd-linux adds lcd_stack, lcd_stack_bit, lcd_stack_cpu, nested_count,
# mapped_cr3, vmfunc_lcd).  Offsets are the model's layout, not Linux's.
# lcd_stack_off is the exported kernel variable holding TASK_lcd_stack; the
# gate loads it from memory as the real code does (gate-kernel.s defines it).
# ---------------------------------------------------------------------------
.equ TASK_lcd_stack,            0x00    # void *: LVD stack pointer of this thread
.equ TASK_lcd_stack_bit,        0x08    # int: slot in the per-CPU stack bitmap
.equ TASK_lcd_stack_cpu,        0x0c    # int: CPU whose bitmap owns the slot
.equ TASK_nested_count,         0x10    # int: gate nesting depth
.equ TASK_mapped_cr3,           0x18    # u64: last CR3 remapped by remap_cr3
.equ TASK_vmfunc_lcd,           0x20    # the thread's LVD: its EPTP-list slot (lcd_arch->ept_id) in the model
.equ TASK_pid,                  0x28    # int
.equ TASK_lvd_domain_gs,        0x30    # domain's GS base while in the kernel # hardened: G1-gs-base
.equ TASK_lvd_killed,           0x38    # set by lvd_kill_current_domain # hardened: G16-kill-path
.equ TASK_lvd_state,            0x40    # FPU/FS/KERNEL_GS_BASE save areas of the primitives # hardened: G3-fs-kgs
.equ TASK_STRUCT_SIZE,          0x80    # hardened: G3-fs-kgs

# ---------------------------------------------------------------------------
# Per-CPU variables, addressed as %gs:NAME (the GS base is the per-CPU area
# of this CPU).  Model layout; names are Linux's.
# ---------------------------------------------------------------------------
.equ current_task,              0x00    # struct task_struct *
.equ __preempt_count,           0x08    # u32 (0 = preemptible)
.equ irq_count,                 0x10    # u32, -1 when not on the irq stack
.equ irq_stack_ptr,             0x18    # top of this CPU's irq stack
.equ lvd_irq_stack_addr,        0x20    # top of this CPU's IST 5 stack
.equ cpu_number,                0x28    # u32
.equ vmfunc_counter,            0x30    # u64 (CONFIG_LCD_VMFUNC_COUNTERS, off)
.equ PERCPU_AREA_SIZE,          0x40

# ---------------------------------------------------------------------------
# struct pt_regs (arch/x86/include/asm/ptrace.h, x86-64 order; calling.h)
# ---------------------------------------------------------------------------
.equ PT_R15,                    0
.equ PT_R14,                    8
.equ PT_R13,                    16
.equ PT_R12,                    24
.equ PT_RBP,                    32
.equ PT_RBX,                    40
.equ PT_R11,                    48
.equ PT_R10,                    56
.equ PT_R9,                     64
.equ PT_R8,                     72
.equ PT_RAX,                    80
.equ PT_RCX,                    88
.equ PT_RDX,                    96
.equ PT_RSI,                    104
.equ PT_RDI,                    112
.equ PT_ORIG_RAX,               120
.equ PT_RIP,                    128
.equ PT_CS,                     136
.equ PT_EFLAGS,                 144
.equ PT_RSP,                    152
.equ PT_SS,                     160
.equ SIZEOF_PTREGS,             168
.equ PT_GPREGS_SIZE,            120     # r15..rdi: ALLOC_PT_GPREGS_ON_STACK

# ---------------------------------------------------------------------------
# struct fipc_message (lcd-domains/include/libfipc_types.h): 64 bytes.
# Word 0 is {rpc_id (u32), vmfunc_id (u32)}; then regs[7].
# Across the gate word 0 travels in REG0=%rdi, regs[0..6] in REG1..REG7 =
# %rsi, %rdx, %r8, %r9, %r10, %r11, %r12 (libvmfunc.h).
# KSplit glue puts the slot count into regs[0], arguments from regs[1].
# ---------------------------------------------------------------------------
.equ FIPC_rpc_id,               0       # u32
.equ FIPC_vmfunc_id,            4       # u32
.equ FIPC_regs0,                8
.equ FIPC_regs1,                16
.equ FIPC_regs2,                24
.equ FIPC_regs3,                32
.equ FIPC_regs4,                40
.equ FIPC_regs5,                48
.equ FIPC_regs6,                56
.equ FIPC_NR_REGS,              7
.equ SIZEOF_FIPC_MESSAGE,       64

# vmfunc_id values (libvmfunc.h)
.equ VMFUNC_SYNC_IPC,           1
.equ VMFUNC_LCD_SYSCALL,        2
.equ VMFUNC_RPC_CALL,           3
# replies written by __vmfunc_dispatch for an unknown vmfunc_id (vmfunc_calls.c)
.equ VMFUNC_UNKNOWN_REG1,       0xdad
.equ VMFUNC_UNKNOWN_REG2,       0xadd
.equ VMFUNC_UNKNOWN_REG3,       0xcad

# EPTP-list indices (LVD-AS-BUILT.md 0, 1.2): slot 0 kernel, slot 1 the one LVD
# as built.  The gate takes a domain's slot from current->vmfunc_lcd, the
# workload's threads from their work block (WORK_slot); the domain's copy of
# the shared pages checks ECX against lcd_ept_id, its slot (a link-time symbol
# of each view; -1 in the kernel's copy, whose domain-side checks never match).
.equ LVD_EPT_KERNEL,            0
.equ LVD_EPT_DOMAIN,            1
.equ LVD_EPT_MAX,               511     # vmfunc_klcd_wrapper rejects ept > 511
.equ VM_FUNCTION_EPTP_SWITCH,   0       # EAX for VMFUNC leaf 0

# ---------------------------------------------------------------------------
# CPUID hypercall leaves of lvd-bflank (bfvmm vmexit/cpuid.cpp; bflank.h)
# ---------------------------------------------------------------------------
.equ BF_ACK,                    0x4BF00000
.equ BF_INIT,                   0x4BF00010
.equ BF_SAY_HI,                 0x4BF00011
.equ BF_FINI,                   0x4BF00020
.equ BF_PROMOTE,                0x4BF00021
.equ BF_INSTALL_EPTP_LIST,      0x4BF00031
.equ BF_DUMP_STACK,             0x4BF00032
.equ BF_ABORT_LCD,              0x4BF00033      # entry_64.S ABORT_LCD: halts the vCPU
.equ BF_MAP_KERNEL_EPT_PAGE,    0x4BF00034
.equ BF_ILLEGAL_EXCEPTION,      0x4BF00035
.equ BF_GUEST_PAGE_WALK,        0x4BF00036
.equ BF_DUMP_EXIT_COUNTERS,     0x4BF00037
.equ BF_ILLEGAL_NMI,            0x4BF00038
.equ BF_HALT,                   0x4BF00039
.equ CPUID_GATE_ABORT_MARKER,   0xabcd          # vmfunc_calls.c abort: not a registered leaf
.equ LVD_GATE_ABORT,            0x4BF00040      # kill the domain entered on this CPU, never returns # hardened: G8-abort

# ---------------------------------------------------------------------------
# IDT: vectors and IST slots (page_64_types.h, irq_vectors.h, traps.h)
# ---------------------------------------------------------------------------
.equ IST_DOUBLEFAULT_STACK,     1
.equ IST_NMI_STACK,             2
.equ IST_DEBUG_STACK,           3
.equ IST_MCE_STACK,             4
.equ IRQ_LVD_STACK,             5       # every external vector, as built
.equ X86_TRAP_NMI,              2
.equ X86_TRAP_UD,               6
.equ X86_TRAP_DF,               8
.equ X86_TRAP_GP,               13
.equ X86_TRAP_PF,               14
.equ FIRST_EXTERNAL_VECTOR,     0x20
.equ DEVICE_VECTOR,             0x31    # the workload's device interrupt
.equ LOCAL_TIMER_VECTOR,        0xef
.equ __KERNEL_CS,               0x10
.equ __KERNEL_DS,               0x18
.equ X86_EFLAGS_IF_BIT,         9
.equ X86_EFLAGS_IF,             0x200

# MSRs (msr-index.h)
.equ MSR_FS_BASE,               0xc0000100
.equ MSR_GS_BASE,               0xc0000101
.equ MSR_KERNEL_GS_BASE,        0xc0000102

# vmfunc_trampoline_entry's frame on the kernel stack, from kernel_esp up # hardened: G20-rflags
.equ TRAMP_FRAME_msg,           0       # hardened: G20-rflags
.equ TRAMP_FRAME_rflags,        56      # kernel RFLAGS at the crossing # hardened: G20-rflags
.equ TRAMP_FRAME_SIZE,          64      # hardened: G20-rflags

# errno values
.equ EIO,                       5
.equ EINVAL,                    22

# ---------------------------------------------------------------------------
# RPC ids of the two drivers: enum RPC_ID of the KSplit-generated glue of
# lcd-domains/test_mods/nullnet_gen and nullblk_gen (MODULE_INIT=0,
# MODULE_EXIT=1, shared_mem_init=2, then declaration order).
# ---------------------------------------------------------------------------
.equ RPC_ID_consume_skb,        6
.equ RPC_ID_ndo_start_xmit,     21
.equ RPC_ID_blk_mq_end_request, 8
.equ RPC_ID_queue_rq,           12
.equ NETDEV_TX_OK,              0
.equ BLK_STS_OK,                0

# ---------------------------------------------------------------------------
# Workload (not Linux): the argument block a kernel thread of the workload is
# started with (kthread_run(fn, data): %rdi = data).  The spec fills it.
# ---------------------------------------------------------------------------
.equ WORK_calls_left,           0       # u64: RPCs still to make
.equ WORK_arg_obj,              8       # skb / request handle passed to the driver
.equ WORK_arg_dev,              16      # net_device / hctx handle
.equ WORK_arg_len,              24      # skb->len / request bytes
.equ WORK_slot,                 32      # u64: EPTP-list slot of the domain the thread calls
.equ WORK_SIZE,                 40

# Driver data (.data.dummy_net / .data.null_blk): statistics words
.equ DNET_tx_packets,           0
.equ DNET_tx_bytes,             8
.equ DNET_DATA_SIZE,            16
.equ NULLB_requests,            0
.equ NULLB_bytes,               8
.equ NULLB_DATA_SIZE,           16
