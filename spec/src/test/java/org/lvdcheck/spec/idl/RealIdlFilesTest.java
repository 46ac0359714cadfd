package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/**
 * The real LVD driver IDL files (LVD-AS-BUILT.md §5.6; docs/IDL.md lists the ones tried)
 * are not committed; point system properties at directories of copies, e.g.
 * {@code mvn -pl spec test -Dtest=RealIdlFilesTest -DargLine="-Didl.real.dir=/tmp/real-idl"}.
 * <ul>
 * <li>{@code idl.real.dir}: D4 files. Each must parse and resolve, and printing it and parsing the
 * output again must give an equal tree and the same model (RPC table, projection instances, facts).
 * <li>{@code idl.real.unresolved.dir}: D4 files that use a name they never define (idlc's
 * name binding refuses them too). Each must parse and print back to an equal tree, and
 * resolving must fail with an InputError inside the file.
 * <li>{@code idl.real.rejected.dir}: files in an older dialect (D1–D3), design sketches, and
 * D4-era files with syntax no idlc grammar accepts. Each must be refused with an InputError
 * inside the file, never a crash.
 * </ul>
 */
class RealIdlFilesTest {
    @Test
    void everyRealFileParsesResolvesAndRoundTrips() throws Exception {
        List<Path> files = filesIn("idl.real.dir");
        List<String> failures = new ArrayList<>();
        for (Path p : files) {
            try {
                IdlFile f = IdlParser.parse(p);
                IdlFile again = IdlParser.parse(p.toString(), IdlPrinter.print(f));
                if (!f.equals(again)) {
                    failures.add(p + ": printer round trip changed the tree");
                }
                InterfaceModel m = InterfaceModel.of(f);
                if (!sameModel(m, InterfaceModel.of(again))) {
                    failures.add(p + ": printer round trip changed the model");
                }
                System.out.printf("%-44s %6d chars %4d rpcs %4d projection instances %5d facts%n",
                        p.getFileName(), Files.size(p), m.rpcTable().size(), m.projections().size(), m.facts().size());
            } catch (InputError e) {
                failures.add(e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        System.out.println("real IDL files parsed, resolved and round-tripped: " + files.size());
    }

    @Test
    void unresolvedRealFilesParseAndRoundTripButDoNotResolve() throws Exception {
        List<Path> files = filesIn("idl.real.unresolved.dir");
        List<String> failures = new ArrayList<>();
        for (Path p : files) {
            try {
                IdlFile f = roundTrip(p, failures);
                try {
                    InterfaceModel.of(f);
                    failures.add(p + ": resolved, but is expected to name something it does not define");
                } catch (InputError e) {
                    checkInside(p, e, failures);
                    System.out.println("unresolved: " + e.getMessage());
                }
            } catch (InputError e) {
                failures.add(e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void rejectedRealFilesFailWithALocatedError() throws Exception {
        List<Path> files = filesIn("idl.real.rejected.dir");
        List<String> failures = new ArrayList<>();
        for (Path p : files) {
            try {
                InterfaceModel.of(IdlParser.parse(p));
                failures.add(p + ": accepted, but is expected to be refused");
            } catch (InputError e) {
                checkInside(p, e, failures);
                System.out.println("rejected: " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    private static List<Path> filesIn(String property) throws IOException {
        String dir = System.getProperty(property);
        assumeTrue(dir != null, "set -D" + property + " to run against real LVD IDL files");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            files = s.filter(p -> p.toString().endsWith(".idl")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no .idl files in " + dir);
        return files;
    }

    /** Same RPC table (ids, names, kinds, parameters) and same fact set; positions aside. */
    private static boolean sameModel(InterfaceModel a, InterfaceModel b) {
        return a.facts().keySet().equals(b.facts().keySet()) && rpcs(a).equals(rpcs(b))
                && a.projections().stream().map(ProjectionInstance::instanceName).toList()
                        .equals(b.projections().stream().map(ProjectionInstance::instanceName).toList());
    }

    private static List<String> rpcs(InterfaceModel m) {
        return m.rpcTable().stream()
                .map(r -> r.module() + "#" + r.id() + " " + r.kind() + " " + r.scopedName() + r.params() + r.returns())
                .toList();
    }

    private static IdlFile roundTrip(Path p, List<String> failures) throws IOException, InputError {
        IdlFile f = IdlParser.parse(p);
        IdlFile again = IdlParser.parse(p.toString(), IdlPrinter.print(f));
        if (!f.equals(again)) {
            failures.add(p + ": printer round trip changed the tree");
        }
        return f;
    }

    private static void checkInside(Path p, InputError e, List<String> failures) throws IOException {
        List<String> lines = Files.readAllLines(p);
        int line = e.pos().line();
        boolean inside = e.pos().file().equals(p.toString()) && line >= 1
                && line <= Math.max(1, lines.size() + 1) && e.pos().column() >= 1;
        if (!inside) {
            failures.add(p + ": error outside the file: " + e.getMessage());
        }
    }
}
