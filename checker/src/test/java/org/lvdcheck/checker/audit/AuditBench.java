package org.lvdcheck.checker.audit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.lvdcheck.spec.idl.IdlFile;
import org.lvdcheck.spec.idl.IdlParser;
import org.lvdcheck.spec.idl.InterfaceModel;

/**
 * Parse and audit time for one IDL file (a benchmark, not a test): warm-up, then
 * repeated timing, printing mean and standard deviation. The audit compares the file
 * with itself, which does the full work (both models, both fact sets, the diff).
 * Run: java -cp "checker/target/classes:checker/target/test-classes:..." \
 *      org.lvdcheck.checker.audit.AuditBench FILE.idl [WARMUP] [RUNS]
 */
public final class AuditBench {
    private AuditBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: AuditBench FILE.idl [WARMUP] [RUNS]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        String text = Files.readString(file);
        for (int i = 0; i < warmup; i++) {
            InterfaceModel m = InterfaceModel.of(IdlParser.parse(file.toString(), text));
            InterfaceAudit.audit(m, m, Policy.builtIn());
        }
        double[] parse = new double[runs];
        double[] audit = new double[runs];
        int facts = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            IdlFile f = IdlParser.parse(file.toString(), text);
            long t1 = System.nanoTime();
            InterfaceModel base = InterfaceModel.of(f);
            InterfaceModel head = InterfaceModel.of(IdlParser.parse(file.toString(), text));
            facts = InterfaceAudit.audit(base, head, Policy.builtIn()).size() + base.facts().size();
            long t2 = System.nanoTime();
            parse[i] = (t1 - t0) / 1e6;
            audit[i] = (t2 - t1) / 1e6;
        }
        System.out.printf("file %s: %d chars, %d facts%n", file, text.length(), facts);
        System.out.printf("parse: mean %.3f ms, sd %.3f ms, min %.3f ms (%d runs after %d warm-up)%n", mean(parse),
                sd(parse), Arrays.stream(parse).min().orElse(0), runs, warmup);
        System.out.printf("audit (parse head + 2 models + diff): mean %.3f ms, sd %.3f ms, min %.3f ms%n", mean(audit),
                sd(audit), Arrays.stream(audit).min().orElse(0));
    }

    private static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(0);
    }

    private static double sd(double[] xs) {
        double m = mean(xs);
        return Math.sqrt(Arrays.stream(xs).map(x -> (x - m) * (x - m)).sum() / Math.max(1, xs.length - 1));
    }
}
