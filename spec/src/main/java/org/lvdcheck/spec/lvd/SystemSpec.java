package org.lvdcheck.spec.lvd;

import java.util.List;
import java.util.Optional;
import org.lvdcheck.spec.lvd.Model.*;

/** A parsed and cross-checked system spec: everything lvdcheck knows about one system. */
public record SystemSpec(
        String name,
        String sdm,
        Cpu cpu,
        int cpus,
        Kernel kernel,
        List<Region> regions,
        List<Pgd> pgds,
        List<Mapping> mappings,
        List<EptMapping> eptMappings,
        List<Domain> domains,
        List<StackPool> stackPools,
        List<KernelObject> objects,
        List<AsmUnits> asm,
        List<Section> sections,
        List<Symbol> symbols,
        List<Vector> vectors,
        List<ExitPolicy> exitPolicies,
        List<HypercallPolicy> hypercallPolicies,
        List<VmcsSetting> vmcs,
        List<Model.Thread> threads,
        List<Source> sources,
        Workload workload,
        List<Scenario> scenarios,
        List<Model.Witness> witnesses) {

    public Optional<Domain> domain(String n) {
        return domains.stream().filter(d -> d.name().equals(n)).findFirst();
    }

    public Optional<Region> region(String n) {
        return regions.stream().filter(r -> r.name().equals(n)).findFirst();
    }

    public Optional<Pgd> pgd(String n) {
        return pgds.stream().filter(p -> p.name().equals(n)).findFirst();
    }

    public Optional<Vector> vector(String n) {
        return vectors.stream().filter(v -> v.name().equals(n)).findFirst();
    }

    public List<KernelObject> objects(ObjectKind kind) {
        return objects.stream().filter(o -> o.kind() == kind).toList();
    }

    /**
     * This spec with only the named threads (in the spec's order): the system a scenario or the
     * workload runs. Every name must be a thread of the spec (the parser checks the lists it reads);
     * the workload and scenarios are kept as written.
     */
    public SystemSpec withThreads(List<String> names) {
        List<Model.Thread> kept = threads.stream().filter(t -> names.contains(t.name())).toList();
        if (kept.size() != names.size()) {
            throw new IllegalArgumentException("not threads of spec " + name + ": " + names);
        }
        return new SystemSpec(name, sdm, cpu, cpus, kernel, regions, pgds, mappings, eptMappings, domains, stackPools,
                objects, asm, sections, symbols, vectors, exitPolicies, hypercallPolicies, vmcs, kept, sources, workload,
                scenarios, witnesses);
    }

    /** This spec under another name (a seeded fault: its base spec with one line changed). */
    public SystemSpec withName(String newName) {
        return new SystemSpec(newName, sdm, cpu, cpus, kernel, regions, pgds, mappings, eptMappings, domains, stackPools,
                objects, asm, sections, symbols, vectors, exitPolicies, hypercallPolicies, vmcs, threads, sources, workload,
                scenarios, witnesses);
    }

    /** The views that have EPTs: "kernel" then each domain by slot. */
    public List<String> views() {
        java.util.ArrayList<String> v = new java.util.ArrayList<>();
        v.add("kernel");
        domains.stream().sorted(java.util.Comparator.comparingInt(Domain::slot)).forEach(d -> v.add(d.name()));
        return v;
    }
}
