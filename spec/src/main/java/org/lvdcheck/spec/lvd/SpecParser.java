package org.lvdcheck.spec.lvd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.lvd.Model.*;

/**
 * Parses a {@code .lvd} system spec (docs/SPEC-LANGUAGE.md): one fact per line, then
 * cross-checks names and ranges. Every error names file:line:column.
 */
public final class SpecParser {
    private String name;
    private Token nameTok;
    private String sdm;
    private Cpu cpu;
    private int cpus = -1;
    private Token cpusTok;
    private Kernel kernel;
    private final List<Region> regions = new ArrayList<>();
    private final List<Pgd> pgds = new ArrayList<>();
    private final List<Mapping> mappings = new ArrayList<>();
    private final List<EptMapping> ept = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();
    private final List<StackPool> stackPools = new ArrayList<>();
    private final List<KernelObject> objects = new ArrayList<>();
    private final List<AsmUnits> asm = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<Symbol> symbols = new ArrayList<>();
    private final List<Vector> vectors = new ArrayList<>();
    private final List<ExitPolicy> exits = new ArrayList<>();
    private final List<HypercallPolicy> hypercalls = new ArrayList<>();
    private final List<VmcsSetting> vmcs = new ArrayList<>();
    private final List<Model.Thread> threads = new ArrayList<>();
    private final List<Source> sources = new ArrayList<>();
    private Workload workload;
    private final List<Scenario> scenarios = new ArrayList<>();
    private final List<Model.Witness> witnesses = new ArrayList<>();
    /** Names and the token that defined them, per namespace, for "defined twice" and "unknown" errors. */
    private final Map<String, Map<String, Token>> defined = new HashMap<>();
    /** References to check once every line is read: namespace, name, token. */
    private final List<Object[]> refs = new ArrayList<>();

    private SpecParser() {}

    public static SystemSpec parse(String file, String text) throws InputError {
        SpecParser p = new SpecParser();
        for (Stmt s : SpecLexer.lex(file, text)) {
            p.statement(s);
            s.finish();
        }
        return p.build(file);
    }

    private void statement(Stmt s) throws InputError {
        switch (s.keyword().text()) {
            case "spec" -> {
                once(nameTok, s);
                nameTok = s.keyword();
                name = Values.name(s.next("a spec name"), "spec name");
            }
            case "sdm" -> sdm = s.next("the SDM order number, e.g. 325462-072US").text();
            case "cpu" -> {
                once(cpu == null ? null : s.keyword(), s);
                cpu = new Cpu(
                        Values.smallInt(s.required("maxphyaddr", "N"), "maxphyaddr", 36, 52),
                        Values.yesNo(s.required("exec-only", "yes|no")),
                        Values.yesNo(s.required("ept-ad", "yes|no")),
                        Values.yesNo(s.required("ve", "yes|no")),
                        Values.yesNo(s.required("pages-1g", "yes|no")),
                        Values.smallInt(s.required("cr3-targets", "N"), "cr3-targets", 0, 4),
                        s.pos());
            }
            case "cpus" -> {
                once(cpusTok, s);
                cpusTok = s.next("the number of CPUs");
                cpus = Values.smallInt(cpusTok, "number of CPUs", 1, 64);
            }
            case "kernel" -> {
                once(kernel == null ? null : s.keyword(), s);
                Token pool = s.required("ept-pool", "REGION");
                Token lists = s.required("eptp-lists", "REGION");
                ref("region", pool);
                ref("region", lists);
                kernel = new Kernel(opt(s, "ept-ad", false), pool.text(), lists.text(), s.pos());
            }
            case "region" -> {
                Token n = s.next("a region name");
                define("region", n);
                Token owner = s.required("owner", "kernel|hypervisor|shared|DOMAIN");
                regions.add(new Region(Values.name(n, "region name"),
                        Values.pageAligned(s.required("hpa", "ADDRESS"), "hpa"),
                        size(s.required("size", "SIZE")), owner.text(), s.pos()));
                if (!List.of("kernel", "hypervisor", "shared").contains(owner.text())) {
                    ref("domain", owner);
                }
            }
            case "pgd" -> {
                Token n = s.next("a PGD name");
                define("pgd", n);
                Token view = s.option("view");
                if (view != null && !view.text().equals("kernel")) {
                    ref("domain", view);
                }
                Token half = s.option("kernel-half");
                if (half != null) {
                    ref("pgd", half);
                }
                long gpa = Values.pageAligned(s.required("gpa", "ADDRESS"), "gpa");
                Token pool = s.required("pool", "ADDRESS");
                pgds.add(new Pgd(n.text(), view == null ? "kernel" : view.text(), gpa,
                        Values.pageAligned(pool, "pool"), size(s.required("pool-size", "SIZE")),
                        half == null ? null : half.text(), opt(s, "preset-ad", false), s.pos()));
            }
            case "map" -> {
                Token pgd = s.next("a PGD name (or 'kernel' for every kernel PGD)");
                if (!pgd.text().equals("kernel")) {
                    ref("pgd", pgd);
                }
                Token gvaTok = s.next("a guest-virtual address");
                long gva = Values.pageAligned(gvaTok, "guest-virtual address");
                canonical(gvaTok, gva);
                long page = s.has("page") ? Values.pageSize(s.option("page")) : 4096;
                Token sizeTok = s.required("size", "SIZE");
                long sz = size(sizeTok);
                long gpa = Values.pageAligned(s.required("gpa", "ADDRESS"), "gpa");
                if ((gva | gpa | sz) % page != 0) {
                    throw new InputError(sizeTok.pos(), "gva, gpa and size must be multiples of the page size "
                            + pageName(page));
                }
                Token pte = s.required("pte", "r[w-][x-][uk], e.g. rw-k");
                if (pte.text().length() != 4) {
                    throw new InputError(pte.pos(), "pte flags are 4 letters: r, w or -, x or -, u or k; e.g. rw-k");
                }
                int f = Values.letters(new Token(pte.text().substring(0, 3), pte.pos()), "rwx", "pte flags");
                char last = pte.text().charAt(3);
                if (last != 'u' && last != 'k') {
                    throw new InputError(pte.at(3), "pte flags: position 4 is 'u' (user) or 'k' (supervisor)");
                }
                if ((f & 1) == 0) {
                    throw new InputError(pte.pos(), "pte flags start with 'r': a mapping is always readable");
                }
                mappings.add(new Mapping(pgd.text(), gva, sz, gpa,
                        new PteFlags((f & 2) != 0, (f & 4) != 0, last == 'u'), page, s.pos()));
            }
            case "ept" -> ept(s);
            case "domain" -> {
                Token n = s.next("a domain name");
                define("domain", n);
                Values.name(n, "domain name");
                if (n.text().equals("kernel")) {
                    throw new InputError(n.pos(), "'kernel' is the name of the kernel's view, not a domain");
                }
                Token idl = s.option("idl");
                int slot = Values.smallInt(s.required("slot", "1..511"), "EPTP-list slot", 1, 511);
                Token pool = s.required("ept-pool", "REGION");
                ref("region", pool);
                boolean check = opt(s, "rpc-check", false);
                if (check && idl == null) {
                    throw new InputError(s.option("rpc-check").pos(), "rpc-check=yes needs idl=FILE: the IDL says what may be called");
                }
                domains.add(new Domain(n.text(), slot, opt(s, "ept-ad", false), pool.text(),
                        idl == null ? null : idl.text(), check, s.pos()));
            }
            case "idt", "gdt", "tss", "ist", "percpu", "state-page", "irq-stack", "landing-ticket" -> object(s);
            case "stacks" -> {
                Token d = s.next("a domain name");
                ref("domain", d);
                Token g = s.required("gva", "ADDRESS");
                long gva = Values.pageAligned(g, "gva");
                canonical(g, gva);
                stackPools.add(new StackPool(d.text(), gva, Values.smallInt(s.required("per-cpu", "N"), "stacks per CPU", 1, 64),
                        size(s.required("size", "SIZE")), s.pos()));
            }
            case "asm" -> {
                Token view = s.next("a view (kernel or a domain name)");
                if (!view.text().equals("kernel")) {
                    ref("domain", view);
                }
                List<Token> files = s.rest();
                if (files.isEmpty()) {
                    s.next("at least one .s file");
                }
                List<String> names = new ArrayList<>();
                List<SourcePos> where = new ArrayList<>();
                for (Token f : files) {
                    if (!f.text().endsWith(".s")) {
                        throw new InputError(f.pos(), "assembly files end in .s: '" + f.text() + "'");
                    }
                    names.add(f.text());
                    where.add(f.pos());
                }
                asm.add(new AsmUnits(view.text(), names, where, s.pos()));
            }
            case "section" -> {
                Token n = s.next("a section name");
                Token view = s.option("view");
                if (view != null && !view.text().equals("kernel")) {
                    ref("domain", view);
                }
                define("section", new Token(n.text() + (view == null ? "" : "@" + view.text()), n.pos()));
                Token g = s.required("gva", "ADDRESS");
                long gva = Values.pageAligned(g, "section gva");
                canonical(g, gva);
                Token tr = s.option("transition");
                sections.add(new Section(n.text(), view == null ? null : view.text(), gva,
                        tr != null && Values.yesNo(tr), s.pos()));
            }
            case "symbol" -> {
                Token n = s.next("a symbol name");
                define("symbol", n);
                symbols.add(new Symbol(n.text(), Values.number(s.required("value", "NUMBER"), "symbol value"), s.pos()));
            }
            case "vector" -> {
                Token num = s.next("a vector number");
                int v = Values.smallInt(num, "vector", 0, 255);
                Token n = s.required("name", "NAME");
                define("vector", n);
                VectorClass cls = Values.oneOf(s.required("class", "timer|device|nmi|mc|exception|ipi"), VectorClass.class,
                        "vector class");
                vectors.add(new Vector(v, Values.name(n, "vector name"), cls,
                        Values.smallInt(s.required("ist", "0..7"), "IST index", 0, 7),
                        Values.oneOf(s.required("gate", "interrupt|trap"), GateType.class, "gate type"),
                        s.required("handler", "SYMBOL").text(),
                        s.has("dpl") ? Values.smallInt(s.option("dpl"), "DPL", 0, 3) : 0, s.pos()));
            }
            case "exit" -> {
                Token reason = s.next("an exit reason, e.g. wrmsr");
                exits.add(new ExitPolicy(reason.text(), origin(s), action(s), s.pos()));
            }
            case "hypercall" -> hypercalls.add(new HypercallPolicy(
                    Values.number(s.next("a CPUID leaf, e.g. 0x4BF00034"), "hypercall leaf"), origin(s), action(s), s.pos()));
            case "vmcs" -> {
                List<Token[]> kv = s.allOptions();
                if (kv.isEmpty()) {
                    s.next("at least one control, e.g. cr3-load-exiting=yes");
                }
                for (Token[] o : kv) {
                    VmcsKeys.check(o[0], o[1]);
                    vmcs.add(new VmcsSetting(o[0].text(), o[1].text(), o[0].pos()));
                }
            }
            case "thread" -> {
                Token n = s.next("a thread name");
                define("thread", n);
                Token cr3 = s.required("cr3", "PGD");
                ref("pgd", cr3);
                Token domain = s.required("domain", "DOMAIN (the domain the thread calls)");
                ref("domain", domain);
                Token c = s.required("cpu", "N|any");
                threads.add(new Model.Thread(n.text(), s.required("entry", "SYMBOL").text(), domain.text(), cr3.text(),
                        c.text().equals("any") ? -1 : Values.smallInt(c, "cpu", 0, 63),
                        Values.number(s.required("task", "GVA"), "task_struct address"),
                        Values.number(s.required("stack", "GVA"), "kernel stack top"),
                        Values.number(s.required("arg", "GVA"), "work block address"),
                        Values.number(s.required("xsave", "GVA"), "XSAVE area address"), s.pos()));
            }
            case "source" -> {
                Token n = s.next("a source name");
                define("source", n);
                Token vec = s.required("vector", "NAME");
                ref("vector", vec);
                Token c = s.required("cpu", "N|all");
                Token fires = s.required("fires", "N|unbounded");
                sources.add(new Source(n.text(), vec.text(), c.text().equals("all") ? -1 : Values.smallInt(c, "cpu", 0, 63),
                        fires.text().equals("unbounded") ? -1 : Values.smallInt(fires, "fires", 0, 1_000_000), s.pos()));
            }
            case "workload" -> {
                once(workload == null ? null : s.keyword(), s);
                Token list = s.option("threads");
                Token sym = s.option("symmetry");
                if (sym != null && !sym.text().equals("cpus")) {
                    throw new InputError(sym.pos(), "unknown symmetry '" + sym.text() + "'; the one there is: cpus");
                }
                workload = new Workload(Values.smallInt(s.required("calls", "N"), "calls per thread", 0, 1_000_000),
                        list == null ? null : threadList(list), sym != null, s.pos());
            }
            case "scenario" -> {
                Token n = s.next("a scenario name");
                define("scenario", n);
                Token title = s.option("title");
                Token src = s.required("timer", "SOURCE");
                ref("source", src);
                Token list = s.option("threads");
                scenarios.add(new Scenario(n.text(), title == null ? n.text() : title.text(),
                        Values.smallInt(s.required("calls", "N"), "calls", 1, 10_000_000),
                        Values.smallInt(s.required("timer-every", "STEPS"), "timer-every", 1, 1_000_000_000),
                        src.text(), s.has("stagger") ? Values.smallInt(s.option("stagger"), "stagger", 0, 1_000_000_000) : 0,
                        list == null ? null : threadList(list), s.pos()));
            }
            case "witness" -> {
                Token n = s.next("a witness name");
                define("witness", n);
                Token ev = s.required("event", "KIND[:ARG]");
                String text = ev.text();
                int colon = text.indexOf(':');
                String kind = colon < 0 ? text : text.substring(0, colon);
                String arg = colon < 0 ? null : text.substring(colon + 1);
                Integer takes = Model.Witness.KINDS.get(kind);
                if (takes == null) {
                    throw new InputError(ev.pos(), "unknown witness event '" + kind + "'; one of: "
                            + String.join(", ", new java.util.TreeSet<>(Model.Witness.KINDS.keySet())));
                }
                if (takes > 0 && (arg == null || arg.isEmpty())) {
                    throw new InputError(ev.pos(), "witness event '" + kind + "' needs an argument: " + kind + ":"
                            + (kind.equals("dispatch") ? "FUNCTION" : "REASON"));
                }
                if (takes < 0 && arg != null) {
                    throw new InputError(ev.pos(), "witness event '" + kind + "' takes no argument");
                }
                if (arg != null && arg.isEmpty()) {
                    throw new InputError(ev.pos(), "empty argument after '" + kind + ":'");
                }
                if (kind.equals("crossing") && arg != null && !arg.equals("kernel")) {
                    ref("domain", new Token(arg, ev.pos()));
                }
                witnesses.add(new Model.Witness(n.text(), kind, arg, s.pos()));
            }
            default -> throw new InputError(s.pos(), "unknown statement '" + s.keyword().text()
                    + "' (see docs/SPEC-LANGUAGE.md)");
        }
    }

    private void ept(Stmt s) throws InputError {
        Token view = s.next("a view (kernel or a domain name)");
        if (!view.text().equals("kernel")) {
            ref("domain", view);
        }
        Token cpuTok = s.option("cpu");
        int c = cpuTok == null || cpuTok.text().equals("all") ? -1 : Values.smallInt(cpuTok, "cpu", 0, 63);
        Token gpaTok = s.required("gpa", "ADDRESS|pgd:NAME");
        GpaRef gpa;
        if (gpaTok.text().startsWith("pgd:")) {
            Token n = new Token(gpaTok.text().substring(4), gpaTok.at(4));
            ref("pgd", n);
            gpa = new GpaRef.PgdRoot(n.text());
        } else {
            gpa = new GpaRef.Absolute(Values.pageAligned(gpaTok, "gpa"));
        }
        long page = s.has("page") ? Values.pageSize(s.option("page")) : 4096;
        Token sizeTok = s.required("size", "SIZE");
        long sz = size(sizeTok);
        if (sz % page != 0 || (gpa instanceof GpaRef.Absolute a && a.gpa() % page != 0)) {
            throw new InputError(sizeTok.pos(), "gpa and size must be multiples of the page size " + pageName(page));
        }
        Token hpaTok = s.required("hpa", "ADDRESS|region:NAME[+OFFSET]|pgd:NAME");
        HpaRef hpa;
        String h = hpaTok.text();
        if (h.startsWith("region:")) {
            int plus = h.indexOf('+');
            String rn = plus < 0 ? h.substring(7) : h.substring(7, plus);
            ref("region", new Token(rn, hpaTok.at(7)));
            long off = plus < 0 ? 0 : Values.pageAligned(new Token(h.substring(plus + 1), hpaTok.at(plus + 1)), "offset");
            hpa = new HpaRef.InRegion(rn, off);
        } else if (h.startsWith("pgd:")) {
            ref("pgd", new Token(h.substring(4), hpaTok.at(4)));
            hpa = new HpaRef.PgdRoot(h.substring(4));
        } else {
            hpa = new HpaRef.Absolute(Values.pageAligned(hpaTok, "hpa"));
        }
        int rights = Values.letters(s.required("rights", "[r-][w-][x-]"), "rwx", "EPT rights");
        MemType mt = s.has("memtype") ? Values.oneOf(s.option("memtype"), MemType.class, "memory type") : MemType.WB;
        ept.add(new EptMapping(view.text(), c, gpa, sz, hpa, rights, page, mt, s.pos()));
    }

    private void object(Stmt s) throws InputError {
        ObjectKind kind = ObjectKind.valueOf(s.keyword().text().toUpperCase().replace('-', '_'));
        Token cpuTok = s.option("cpu");
        boolean perCpu = kind == ObjectKind.GDT || kind == ObjectKind.TSS || kind == ObjectKind.IST
                || kind == ObjectKind.PERCPU || kind == ObjectKind.IRQ_STACK;
        if (perCpu && cpuTok == null) {
            s.required("cpu", "N");
        }
        if (!perCpu && cpuTok != null) {
            throw new InputError(cpuTok.pos(), "'" + s.keyword().text() + "' is one per system, not per CPU");
        }
        int c = cpuTok == null ? -1 : Values.smallInt(cpuTok, "cpu", 0, 63);
        int index = kind == ObjectKind.IST ? Values.smallInt(s.required("index", "1..7"), "IST index", 1, 7) : 0;
        Token g = s.required("gva", "ADDRESS");
        long gva = Values.number(g, "gva");
        canonical(g, gva);
        long size = s.has("size") ? size(s.option("size")) : 4096;
        for (KernelObject o : objects) {
            if (o.kind() == kind && o.cpu() == c && o.index() == index) {
                throw new InputError(s.pos(), s.keyword().text() + (c >= 0 ? " for cpu " + c : "")
                        + (index > 0 ? " index " + index : "") + " is already given at " + o.pos());
            }
        }
        objects.add(new KernelObject(kind, c, index, gva, size, s.pos()));
    }

    private SystemSpec build(String file) throws InputError {
        SourcePos top = new SourcePos(file, 1, 1);
        if (name == null) {
            throw new InputError(top, "a spec starts with 'spec NAME'");
        }
        if (cpu == null) {
            throw new InputError(top, "the spec has no 'cpu' line (maxphyaddr, exec-only, ept-ad, ve, pages-1g, cr3-targets)");
        }
        if (cpus < 0) {
            throw new InputError(top, "the spec has no 'cpus N' line");
        }
        if (kernel == null) {
            throw new InputError(top, "the spec has no 'kernel ept-pool=REGION eptp-lists=REGION' line");
        }
        for (Object[] r : refs) {
            String ns = (String) r[0];
            Token t = (Token) r[1];
            if (!defined.getOrDefault(ns, Map.of()).containsKey(t.text())) {
                throw new InputError(t.pos(), "unknown " + ns + " '" + t.text() + "'");
            }
        }
        Map<Integer, Domain> slots = new HashMap<>();
        for (Domain d : domains) {
            Domain other = slots.put(d.slot(), d);
            if (other != null) {
                throw new InputError(d.pos(), "EPTP-list slot " + d.slot() + " is already domain '" + other.name()
                        + "' (" + other.pos() + ")");
            }
        }
        for (KernelObject o : objects) {
            if (o.cpu() >= cpus) {
                throw new InputError(o.pos(), "cpu " + o.cpu() + " does not exist: the spec has " + cpus + " CPUs");
            }
        }
        for (EptMapping m : ept) {
            if (m.cpu() >= cpus) {
                throw new InputError(m.pos(), "cpu " + m.cpu() + " does not exist: the spec has " + cpus + " CPUs");
            }
        }
        for (Model.Thread t : threads) {
            if (t.cpu() >= cpus) {
                throw new InputError(t.pos(), "cpu " + t.cpu() + " does not exist: the spec has " + cpus + " CPUs");
            }
        }
        for (Region a : regions) {
            for (Region b : regions) {
                if (a != b && a.hpa() < b.hpa() + b.size() && b.hpa() < a.hpa() + a.size()
                        && a.pos().line() > b.pos().line()) {
                    throw new InputError(a.pos(), "region '" + a.name() + "' overlaps region '" + b.name() + "' ("
                            + b.pos() + ")");
                }
            }
            if (cpu != null && (a.hpa() + a.size()) > (1L << cpu.maxPhysAddr())) {
                throw new InputError(a.pos(), "region '" + a.name() + "' lies beyond MAXPHYADDR (" + cpu.maxPhysAddr()
                        + " bits)");
            }
        }
        // Unlisted, the workload runs every thread and a scenario the workload's threads.
        List<String> all = threads.stream().map(Model.Thread::name).toList();
        Workload w = workload == null ? new Workload(1, all, false, top)
                : workload.threads() == null ? new Workload(workload.callsPerThread(), all, workload.cpuSymmetry(),
                        workload.pos()) : workload;
        List<Scenario> resolved = new ArrayList<>();
        for (Scenario sc : scenarios) {
            resolved.add(sc.threads() != null ? sc : new Scenario(sc.name(), sc.title(), sc.calls(), sc.timerEvery(),
                    sc.timerSource(), sc.stagger(), w.threads(), sc.pos()));
        }
        return new SystemSpec(name, sdm == null ? "325462-072US" : sdm, cpu, cpus,
                kernel, List.copyOf(regions), List.copyOf(pgds),
                List.copyOf(mappings), List.copyOf(ept), List.copyOf(domains), List.copyOf(stackPools), List.copyOf(objects), List.copyOf(asm),
                List.copyOf(sections), List.copyOf(symbols), List.copyOf(vectors), List.copyOf(exits),
                List.copyOf(hypercalls), List.copyOf(vmcs), List.copyOf(threads), List.copyOf(sources),
                w, List.copyOf(resolved), List.copyOf(witnesses));
    }

    /** A comma-separated list of thread names ({@code threads=t0,t1}); each name is checked once every line is read. */
    private List<String> threadList(Token t) throws InputError {
        List<String> names = new ArrayList<>();
        int from = 0;
        for (String part : t.text().split(",", -1)) {
            Token n = new Token(part, t.at(from));
            if (part.isEmpty()) {
                throw new InputError(n.pos(), "empty thread name in the list '" + t.text() + "'");
            }
            if (names.contains(part)) {
                throw new InputError(n.pos(), "thread '" + part + "' is listed twice");
            }
            ref("thread", n);
            names.add(part);
            from += part.length() + 1;
        }
        return List.copyOf(names);
    }

    // ---- helpers -------------------------------------------------------------------

    private static void once(Token earlier, Stmt s) throws InputError {
        if (earlier != null) {
            throw new InputError(s.pos(), "'" + s.keyword().text() + "' is given twice (first at " + earlier.pos() + ")");
        }
    }

    private void define(String ns, Token t) throws InputError {
        Token before = defined.computeIfAbsent(ns, k -> new HashMap<>()).putIfAbsent(t.text(), t);
        if (before != null) {
            throw new InputError(t.pos(), ns + " '" + t.text() + "' is already defined at " + before.pos());
        }
    }

    private void ref(String ns, Token t) {
        refs.add(new Object[] {ns, t});
    }

    private static boolean opt(Stmt s, String key, boolean dflt) throws InputError {
        Token t = s.option(key);
        return t == null ? dflt : Values.yesNo(t);
    }

    private static long size(Token t) throws InputError {
        long v = Values.number(t, "size");
        if (v <= 0 || (v & 0xFFF) != 0) {
            throw new InputError(t.pos(), "a size is a positive multiple of 4K, got " + t.text());
        }
        return v;
    }

    private static void canonical(Token t, long va) throws InputError {
        long top = va >> 47;
        if (top != 0 && top != -1) {
            throw new InputError(t.pos(), "0x" + Long.toHexString(va) + " is not a canonical 48-bit address "
                    + "(bits 63:47 must all equal bit 47)");
        }
    }

    private static String pageName(long page) {
        return page >= 1L << 30 ? (page >> 30) + "G" : page >= 1L << 20 ? (page >> 20) + "M" : (page >> 10) + "K";
    }

    private static Origin origin(Stmt s) throws InputError {
        return Values.oneOf(s.required("origin", "kernel|domain"), Origin.class, "origin");
    }

    private static Action action(Stmt s) throws InputError {
        return Values.oneOf(s.required("action", "emulate|log-emulate|refuse|kill|halt"), Action.class, "action");
    }
}
