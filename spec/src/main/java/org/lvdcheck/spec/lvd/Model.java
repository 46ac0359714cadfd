package org.lvdcheck.spec.lvd;

import org.lvdcheck.spec.SourcePos;

/**
 * The typed facts of a system spec, one record per statement kind. Every record keeps
 * the position of the line it came from so later checks (and reports) can point at it.
 */
public final class Model {
    private Model() {}

    /** The {@code cpu} capability block (SDM: IA32_VMX_EPT_VPID_CAP, CPUID.80000008H). */
    public record Cpu(int maxPhysAddr, boolean eptExecuteOnly, boolean eptAccessedDirty, boolean virtualizationExceptions,
                      boolean pages1G, int cr3Targets, SourcePos pos) {}

    /** A named run of host-physical frames with an owner label (kernel, a domain, hypervisor, shared). */
    public record Region(String name, long hpa, long size, String owner, SourcePos pos) {}

    /** A guest page-table root: a PGD at a guest-physical address in a view's space. */
    public record Pgd(String name, String view, long gpa, long poolGpa, long poolSize, String kernelHalfOf,
                      boolean presetAccessedDirty, SourcePos pos) {}

    /** Guest page-table rights: RW, NX-inverted execute, US. */
    public record PteFlags(boolean write, boolean execute, boolean user) {
        public String letters() {
            return "r" + (write ? "w" : "-") + (execute ? "x" : "-") + (user ? "u" : "k");
        }
    }

    /** {@code map PGD GVA size=S gpa=G pte=F page=P}: a guest-virtual range in one page table (or every kernel PGD). */
    public record Mapping(String pgd, long gva, long size, long gpa, PteFlags flags, long pageSize, SourcePos pos) {}

    /** Where an EPT mapping points: a host-physical address, computed from a region or a PGD root. */
    public sealed interface HpaRef {
        record Absolute(long hpa) implements HpaRef {}
        record InRegion(String region, long offset) implements HpaRef {}
        record PgdRoot(String pgd) implements HpaRef {}
    }

    /** Where a guest-physical address comes from: a number or the root GPA of a PGD. */
    public sealed interface GpaRef {
        record Absolute(long gpa) implements GpaRef {}
        record PgdRoot(String pgd) implements GpaRef {}
    }

    public enum MemType { UC, WB }

    /** {@code ept VIEW gpa=G size=S hpa=H rights=RWX [cpu=N] [page=P] [memtype=M]}; cpu -1 = every CPU. */
    public record EptMapping(String view, int cpu, GpaRef gpa, long size, HpaRef hpa, int rights, long pageSize,
                             MemType memType, SourcePos pos) {
        public static final int R = 1, W = 2, X = 4;
    }

    /**
     * {@code domain NAME slot=N ept-pool=REGION [ept-ad=..] [idl=FILE] [rpc-check=yes|no]}: an isolated
     * driver with its per-CPU EPTs in EPTP-list slot N; with {@code rpc-check=yes} the dispatchers
     * call only what its IDL declares (as built nothing checks rpc ids: LVD-AS-BUILT.md §1.6).
     */
    public record Domain(String name, int slot, boolean eptAccessedDirty, String eptPool, String idl, boolean rpcCheck,
                         SourcePos pos) {}

    /**
     * The kernel's own EPT (slot 0) settings: A/D in its EPTP, the region its EPT tables are
     * allocated from (the hypervisor's memory), and the region of the per-CPU EPTP-list pages.
     */
    public record Kernel(boolean eptAccessedDirty, String eptPool, String eptpLists, SourcePos pos) {}

    public enum ObjectKind { IDT, GDT, TSS, IST, PERCPU, STATE_PAGE, IRQ_STACK, LANDING_TICKET }

    /**
     * A kernel object the hardware or the gate uses: {@code idt|gdt|tss|ist|percpu|state-page|irq-stack|landing-ticket}.
     * cpu -1 = not per CPU.
     */
    public record KernelObject(ObjectKind kind, int cpu, int index, long gva, long size, SourcePos pos) {}

    /**
     * {@code stacks DOMAIN gva=G per-cpu=N size=S}: the pool of domain stacks {@code pick_stack}
     * hands out (LVD's per-CPU stack bitmap): N stacks of S bytes per CPU, CPU c's stack i
     * occupying [G + (c*N + i)*S, G + (c*N + i + 1)*S).
     */
    public record StackPool(String domain, long gva, int perCpu, long size, SourcePos pos) {}

    /** {@code asm VIEW FILE...}: assembly units linked into a view (kernel, or a domain). */
    public record AsmUnits(String view, java.util.List<String> files, java.util.List<SourcePos> filePos, SourcePos pos) {}

    /**
     * {@code section NAME gva=G [view=V]}: where a section is placed: the same GVA in every view
     * that links it (the gate pages), or, with {@code view}, in that view only. With
     * {@code transition=yes} the section is transition code (DESIGN.md §4): it runs under a
     * domain's EPT by design, so IRQ and EXEC exempt it, and every report lists it.
     */
    public record Section(String name, String view, long gva, boolean transition, SourcePos pos) {}

    /** {@code symbol NAME value=V}: an external symbol the assembly may use. */
    public record Symbol(String name, long value, SourcePos pos) {}

    public enum GateType { INTERRUPT, TRAP }

    public enum VectorClass { TIMER, DEVICE, NMI, MC, EXCEPTION, IPI }

    /** {@code vector N name=.. class=.. ist=I gate=.. handler=SYMBOL [dpl=D]}: one IDT entry. */
    public record Vector(int number, String name, VectorClass vectorClass, int ist, GateType gate, String handler,
                         int dpl, SourcePos pos) {}

    public enum Origin { KERNEL, DOMAIN }

    /** What the hypervisor does with an exit or hypercall from an origin. */
    public enum Action { EMULATE, LOG_EMULATE, REFUSE, KILL, HALT }

    /** {@code exit REASON origin=.. action=..}: the hypervisor policy for one exit reason. */
    public record ExitPolicy(String reason, Origin origin, Action action, SourcePos pos) {}

    /** {@code hypercall LEAF origin=.. action=..}: the policy for one CPUID hypercall leaf. */
    public record HypercallPolicy(long leaf, Origin origin, Action action, SourcePos pos) {}

    /** {@code vmcs KEY=VALUE...}: one VMCS control setting, kept as written and checked by the loader. */
    public record VmcsSetting(String key, String value, SourcePos pos) {}

    /**
     * {@code thread NAME entry=SYMBOL domain=DOMAIN cr3=PGD cpu=N|any task=GVA stack=GVA arg=GVA xsave=GVA}: a
     * kernel thread started as {@code entry(arg)} (kthread_run) that calls into {@code domain}: the
     * microkernel puts that domain's EPTP-list slot in its work block and in its task_struct; cpu -1 =
     * any; {@code xsave} is where the kernel saves this thread's FPU/SSE/AVX state
     * ({@code current->thread.fpu}, save_fpu_regs).
     */
    public record Thread(String name, String entry, String domain, String cr3Pgd, int cpu, long taskGva, long stackTop,
                         long argGva, long xsaveGva, SourcePos pos) {}

    /** {@code source NAME vector=V cpus=all|N fires=N}: an interrupt source of the workload. fires -1 = unbounded. */
    public record Source(String name, String vector, int cpu, int fires, SourcePos pos) {}

    /**
     * {@code workload calls=N [threads=T,...] [symmetry=cpus]}: the explored workload: which threads
     * run (every thread of the spec unless listed) and how many gate calls each makes; with
     * {@code symmetry=cpus} the spec declares that swapping the two CPUs maps the system onto itself,
     * which the explorer checks before it identifies each state with its mirror image.
     */
    public record Workload(int callsPerThread, java.util.List<String> threads, boolean cpuSymmetry, SourcePos pos) {}

    /**
     * {@code witness NAME event=KIND[:ARG]}: a behaviour that must be reachable in the explored
     * system (DESIGN.md §5); a complete exploration that never reaches it is inconclusive, since a
     * property that holds on a system that cannot even get there says little. Kinds:
     * {@code interrupt-in-domain} (an interrupt delivered to a CPU running under a domain's EPT,
     * without a VM exit), {@code migration} (a preempted thread resumes on another CPU),
     * {@code kill} (the hypervisor kills a domain), {@code crossing[:VIEW]} (VMFUNC switches to a
     * view), {@code dispatch:FUNCTION} (a dispatcher runs the function), {@code exit:REASON} (a VM
     * exit of that reason).
     */
    public record Witness(String name, String kind, String arg, SourcePos pos) {
        /** The event kinds a witness may name, and whether each takes an argument (1), may (0) or must not (-1). */
        public static final java.util.Map<String, Integer> KINDS = java.util.Map.of("interrupt-in-domain", -1,
                "migration", -1, "kill", -1, "crossing", 0, "dispatch", 1, "exit", 1);

        /** How the spec wrote the event. */
        public String event() {
            return arg == null ? kind : kind + ":" + arg;
        }
    }

    /**
     * {@code scenario NAME calls=N timer-every=K timer=SOURCE [threads=T,...] [stagger=S] [title="..."]}: a
     * schedule for {@code lvdcheck emulate}: the listed threads (the workload's unless listed) each make N
     * calls; the timer fires on every CPU every K steps; CPUs other than CPU 0 start after S steps (so
     * threads queue, are preempted and migrate).
     */
    public record Scenario(String name, String title, int calls, int timerEvery, String timerSource, int stagger,
                           java.util.List<String> threads, SourcePos pos) {}
}
