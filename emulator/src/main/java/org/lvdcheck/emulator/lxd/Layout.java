package org.lvdcheck.emulator.lxd;

/**
 * Where the microkernel put the per-CPU and per-thread objects the primitives use.
 *
 * @param percpu GS base (per-CPU area) of each CPU
 * @param stateGva the one GVA of vmfunc_state_page
 * @param istTop {@code istTop[cpu][i]} top of IST stack i (1..7), 0 if none
 * @param irqStackTop top of each CPU's irq stack
 * @param gdt GDT base of each CPU; {@code tss} TSS base of each CPU
 * @param idt IDTR base
 * @param xsave where the kernel saves each thread's FPU state (the spec's thread xsave=)
 * @param taskGva task_struct of each thread; {@code stackTop} its kernel stack top; {@code argGva} its work block
 * @param threadEntry entry address of each thread; {@code threadCr3} its CR3 (PGD GPA)
 * @param domainStackBase GVA of each domain's stack pool by view index (0 for the kernel); stacks per CPU and size
 */
public record Layout(long[] percpu, long stateGva, long[][] istTop, long[] irqStackTop, long[] gdt, long[] tss, long idt,
                     long[] xsave, long[] taskGva, long[] stackTop, long[] argGva, long[] threadEntry, long[] threadCr3,
                     long[] domainStackBase, int[] domainStacksPerCpu, long[] domainStackSize) {}
