# defs.s -- constants of the small test specs (tiny.lvd, mini.lvd), in the role of
# asm-offsets.s of the built-in specs: the emulator reads these symbols from the kernel's
# linked image to lay out the per-CPU area, the state page and the work blocks. Only the
# fields the small gate uses, or the machine needs, are here; docs/TESTING.md.

# The state page (vmfunc_state_page): one frame per view and CPU.
.equ VMFUNC_in_kernel,          0       # u32: 1 in the kernel EPT's copy only (written at build)
.equ VMFUNC_cpuid,              4       # u32: the CPU number (written at build)
.equ VMFUNC_ept_id,             8       # u32: the view's EPTP-list slot (written at build)
.equ VMFUNC_kernel_esp,         16      # u64: the kernel RSP of the crossing (the kill path reads it)
.equ VMFUNC_kernel_gs_base,     24      # u64: the kernel's GS base (written at build)
.equ VMFUNC_GS_BASE_BYTES,      8

# Per-CPU variables (%gs:NAME): written at build; the small gate reads none of them.
.equ current_task,              0x00
.equ __preempt_count,           0x08
.equ irq_count,                 0x10
.equ irq_stack_ptr,             0x18
.equ lvd_irq_stack_addr,        0x20
.equ cpu_number,                0x28
.equ PERCPU_AREA_SIZE,          0x40

# task_struct: the field the microkernel writes (the thread's domain slot).
.equ TASK_vmfunc_lcd,           0x20

# A thread's work block (written at build).
.equ WORK_calls_left,           0
.equ WORK_arg_obj,              8
.equ WORK_arg_dev,              16
.equ WORK_arg_len,              24
.equ WORK_slot,                 32

# fipc_message: word 0 = {rpc_id (u32), vmfunc_id (u32)}, then regs[7].
.equ FIPC_rpc_id,               0
.equ FIPC_vmfunc_id,            4
.equ FIPC_regs0,                8
.equ FIPC_regs1,                16
.equ FIPC_regs2,                24
.equ SIZEOF_FIPC_MESSAGE,       64
.equ VMFUNC_RPC_CALL,           3
.equ VMFUNC_UNKNOWN_REG1,       0xdad
.equ VMFUNC_UNKNOWN_REG2,       0xadd
.equ VMFUNC_UNKNOWN_REG3,       0xcad

# The domain: EPTP-list slot 1; its stacks, one page per CPU.
.equ NET_SLOT,                  1
.equ NET_STACKS,                0xffffff80c0000000
.equ NET_STACK_SIZE,            4096
.equ NET_EPTP_CPU0,             0xffff888003800008      # net's entry in cpu0's EPTP list (direct map of lxd.eptp)

# The gate's abort: a hypercall that kills the domain entered on this CPU.
.equ LVD_GATE_ABORT,            0x4BF00040
.equ EIO,                       5
