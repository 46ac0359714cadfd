package org.lvdcheck.spec.idl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.lvdcheck.spec.InputError;

/**
 * The real LVD driver IDL files (LVD-AS-BUILT.md §5.6) are not committed: point
 * -Didl.real.dir=DIR at copies of them (e.g. mvn -pl spec test
 * -Dtest=RealIdlFilesTest -DargLine=-Didl.real.dir=/tmp/real-idl). Each must parse as
 * D4, resolve, and print back to an equal tree.
 */
class RealIdlFilesTest {
    @Test
    void everyRealFileParsesResolvesAndRoundTrips() throws Exception {
        String dir = System.getProperty("idl.real.dir");
        assumeTrue(dir != null, "set -Didl.real.dir to run against the real LVD IDL files");
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            files = s.filter(p -> p.toString().endsWith(".idl")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no .idl files in " + dir);
        List<String> failures = new ArrayList<>();
        for (Path p : files) {
            try {
                IdlFile f = IdlParser.parse(p);
                InterfaceModel m = InterfaceModel.of(f);
                IdlFile again = IdlParser.parse(p.toString(), IdlPrinter.print(f));
                if (!f.equals(again)) {
                    failures.add(p + ": printer round trip changed the tree");
                }
                System.out.printf("%-28s %6d chars %4d rpcs %4d projection instances %5d facts%n",
                        p.getFileName(), Files.size(p), m.rpcTable().size(), m.projections().size(), m.facts().size());
            } catch (InputError e) {
                failures.add(e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        System.out.println("real IDL files parsed: " + files.size());
    }
}
