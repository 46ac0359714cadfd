package org.lvdcheck.checker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.lvdcheck.emulator.run.ScenarioRunner;
import org.lvdcheck.properties.PropertyId;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * The JSON report of {@code check} (DESIGN.md §8 keys). Until the explorer lands every
 * property is {@code not-checked}, the verdict {@code inconclusive}, and {@code stats}
 * says that no state was explored. Written to a temporary file and moved into place, so
 * nothing is ever half-written.
 */
final class JsonReport {
    private JsonReport() {}

    static void writeUnchecked(Path to, SpecLoader.Loaded loaded, List<PropertyId> props, long fpSeed,
                               ScenarioRunner.Summary run, double seconds) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        ObjectNode header = root.putObject("header");
        header.put("tool", "lvdcheck " + Version.VERSION);
        header.put("sdm", loaded.spec().sdm());
        header.put("fingerprintSeed", fpSeed);
        ObjectNode inputs = header.putObject("inputs");
        for (Map.Entry<String, InputFile> f : loaded.files().entrySet()) {
            inputs.put(f.getValue().name(), f.getValue().sha256());
        }
        root.put("verdict", "inconclusive");
        root.put("reason", "the explorer is not built in this version: no interleaving was explored");
        ArrayNode ps = root.putArray("properties");
        for (PropertyId p : props) {
            ObjectNode o = ps.addObject();
            o.put("id", p.name());
            o.put("name", p.propertyName());
            o.put("status", "not-checked");
        }
        root.putArray("counterexamples");
        ObjectNode stats = root.putObject("stats");
        stats.put("distinctStates", 0);
        stats.put("generatedStates", 0);
        stats.put("depth", 0);
        stats.put("seconds", seconds);
        stats.put("statesPerSecond", 0);
        stats.put("workers", 0);
        stats.putNull("collisionProbability");
        ObjectNode wl = root.putObject("workload");
        wl.put("threads", loaded.spec().workload().threads().size());
        wl.put("callsPerThread", loaded.spec().workload().callsPerThread());
        wl.put("cpus", loaded.spec().cpus());
        ObjectNode path = root.putObject("emulatedPath");
        path.put("steps", run.steps());
        path.put("end", run.end());
        path.put("crossings", run.domainEntries() + run.kernelEntries());
        path.put("interruptsInsideDomain", run.interruptsDeliveredInDomain());
        ArrayNode stops = path.putArray("stops");
        run.stops().forEach(stops::add);
        ArrayNode as = root.putArray("assumptions");
        for (String a : new String[] {"sequential consistency", "no DMA/IOMMU", "no SMM", "no speculation",
            "no paging-structure caches (no TLB)"}) {
            as.add(a);
        }
        try {
            Path abs = to.toAbsolutePath();
            Path tmp = Files.createTempFile(abs.getParent(), ".lvdcheck-", ".json");
            m.writeValue(tmp.toFile(), root);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UsageError("cannot write " + to + ": " + e.getMessage());
        }
    }
}
