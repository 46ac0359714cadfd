# sched.s -- lvd-as-built
#
# The scheduler entry points the entry code and kernel threads call, written as
# the compiled C of lvd-linux kernel/sched/core.c and kernel/locking/spinlock.c
# would run them (CONFIG_PREEMPT=y, no lockdep, no tracing), so that every STI,
# CLI and lock operation is an instruction of its own (DESIGN.md §2, "Kernel
# primitives"):
#   preempt_schedule_irq    the preemption loop of the interrupt return path
#   preempt_schedule        preempt_enable()'s reschedule (preempt_schedule_common)
#   _raw_spin_lock, _raw_spin_unlock, _raw_spin_lock_irqsave,
#   _raw_spin_unlock_irqrestore
# What they call is a primitive (docs/PRIMITIVES.md): __schedule (the run-queue
# lock, the pick and the context switch, one step) and do_raw_spin_lock /
# do_raw_spin_unlock (the lock word; a CPU whose lock is held waits at the call).
# __preempt_count is per CPU; its bit 31 is need_resched, inverted (x86
# asm/preempt.h): the whole word is 0 only when the count is 0 and a reschedule
# is needed.  Provenance: docs/GATE-PROVENANCE.md, "sched.s".

.include "asm-offsets.s"

        .section .sched.text, "ax"

# ---------------------------------------------------------------------------
# void preempt_schedule_irq(void): called with IRQs off and a zero count from
# retint_kernel / retint_vmfunc_kernel; returns with IRQs off.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl preempt_schedule_irq
preempt_schedule_irq:
1:      incl %gs:__preempt_count        # preempt_disable()
        sti                             # local_irq_enable(): the shadow covers the next instruction only
        movl $1, %edi                   # __schedule(preempt = true); an interrupt may arrive before the call
        call __schedule                 # may switch threads; returns with IRQs on, perhaps on another CPU
        cli                             # local_irq_disable(): an interrupt may arrive before it
        decl %gs:__preempt_count        # sched_preempt_enable_no_resched()
        testl $0x80000000, %gs:__preempt_count
        jz 1b                           # while (need_resched()): the inverted bit is clear
        ret

# ---------------------------------------------------------------------------
# void preempt_schedule(void): preempt_enable() calls it when the count drops
# to 0 with need_resched; it returns at once unless preemptible() (a zero count,
# IRQs on), else loops like preempt_schedule_common.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl preempt_schedule
preempt_schedule:
        pushfq
        popq %rax
        btq $X86_EFLAGS_IF_BIT, %rax    # irqs_disabled(): not preemptible
        jnc 2f
        testl $0x7fffffff, %gs:__preempt_count  # preempt_count() without the need_resched bit
        jnz 2f
1:      incl %gs:__preempt_count        # preempt_disable_notrace()
        movl $1, %edi
        call __schedule                 # __schedule(true)
        decl %gs:__preempt_count        # preempt_enable_no_resched_notrace()
        testl $0x80000000, %gs:__preempt_count
        jz 1b                           # while (need_resched())
2:      ret

# ---------------------------------------------------------------------------
# Raw spinlocks (include/linux/spinlock_api_smp.h, CONFIG_INLINE_* off: the
# out-of-line _raw_* of kernel/locking/spinlock.c).  %rdi = the lock word.
# ---------------------------------------------------------------------------
        .p2align 4
        .globl _raw_spin_lock
_raw_spin_lock:                         # __raw_spin_lock
        incl %gs:__preempt_count        # preempt_disable(), before the spin
        call do_raw_spin_lock           # waits while another CPU holds it, then takes it
        ret

        .p2align 4
        .globl _raw_spin_unlock
_raw_spin_unlock:                       # __raw_spin_unlock
        call do_raw_spin_unlock
        decl %gs:__preempt_count        # preempt_enable(): 0 = count 0 and need_resched
        jnz 1f
        call preempt_schedule           # __preempt_schedule()
1:      ret

        .p2align 4
        .globl _raw_spin_lock_irqsave
_raw_spin_lock_irqsave:                 # __raw_spin_lock_irqsave: returns the flags in %rax
        pushfq                          # local_irq_save(flags)
        cli
        incl %gs:__preempt_count        # preempt_disable()
        call do_raw_spin_lock           # do_raw_spin_lock_flags: spins with IRQs off
        popq %rax                       # flags
        ret

        .p2align 4
        .globl _raw_spin_unlock_irqrestore
_raw_spin_unlock_irqrestore:            # __raw_spin_unlock_irqrestore(lock = %rdi, flags = %rsi)
        pushq %rsi                      # flags, across the primitive's clobbers
        call do_raw_spin_unlock
        popfq                           # local_irq_restore(flags)
        decl %gs:__preempt_count        # preempt_enable()
        jnz 1f
        call preempt_schedule
1:      ret
