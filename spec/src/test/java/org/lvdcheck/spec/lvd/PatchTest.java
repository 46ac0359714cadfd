package org.lvdcheck.spec.lvd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.InputFile;
import org.lvdcheck.spec.SourcePos;
import org.lvdcheck.spec.SourceSet;

class PatchTest {
    static final InputFile FILE = InputFile.of("f.s", "a\n  b # c\nd\n");

    @Test
    void replacesOneLineKeepingItsBreak() throws InputError {
        assertEquals("a\n  x\nd\n", Patch.replace("f.s", 2, "  b # c", "  x").apply(FILE));
        assertEquals("a\n  b # c\ne", Patch.replace("f.s", 3, "d", "e").apply(InputFile.of("f.s", "a\n  b # c\nd")));
    }

    @Test
    void deletesOneLine() throws InputError {
        assertEquals("a\nd\n", Patch.delete("f.s", 2, "  b # c").apply(FILE));
        assertEquals("  b # c\nd\n", Patch.delete("f.s", 1, "a").apply(FILE));
    }

    @Test
    void keepsCarriageReturns() throws InputError {
        assertEquals("a\r\ny\r\n", Patch.replace("f.s", 2, "b", "y").apply(InputFile.of("f.s", "a\r\nb\r\n")));
    }

    @Test
    void aLineThatDoesNotReadAsExpectedFailsAtThatLineWithBothTexts() {
        Patch p = new Patch("f.s", 2, "  b", Optional.of("x"), new SourcePos("faults.txt", 7, 9));
        InputError e = assertThrows(InputError.class, () -> p.apply(FILE));
        assertEquals(new SourcePos("f.s", 2, 1), e.pos());
        assertTrue(e.detail().contains("'  b'") && e.detail().contains("'  b # c'")
                && e.detail().contains("faults.txt:7:9"), e.detail());
    }

    @Test
    void whitespaceIsPartOfTheLine() {
        assertThrows(InputError.class, () -> Patch.delete("f.s", 2, "b # c").apply(FILE));
        assertThrows(InputError.class, () -> Patch.delete("f.s", 1, "a ").apply(FILE));
    }

    @Test
    void aLineBeyondTheEndFails() {
        InputError e = assertThrows(InputError.class, () -> Patch.delete("f.s", 4, "").apply(FILE));
        assertTrue(e.detail().contains("has 3 lines"), e.detail());
    }

    @Test
    void aPatchIsOneLine() {
        assertThrows(IllegalArgumentException.class, () -> Patch.replace("f.s", 1, "a", "x\ny"));
        assertThrows(IllegalArgumentException.class, () -> Patch.delete("f.s", 0, "a"));
    }

    @Test
    void diffIsOneHunk() {
        assertEquals("--- a/f.s\n+++ b/f.s\n@@ -2 +2 @@\n-  b # c\n+  x\n",
                Patch.replace("f.s", 2, "  b # c", "  x").diff());
        assertEquals("--- a/f.s\n+++ b/f.s\n@@ -2 +1,0 @@\n-  b # c\n", Patch.delete("f.s", 2, "  b # c").diff());
    }

    @Test
    void patchesOnlyItsFileAmongSources() throws InputError {
        SourceSet base = SourceSet.inMemory(java.util.Map.of("dir/f.s", FILE, "dir/g.s", InputFile.of("g.s", "a\n")));
        SourceSet patched = Patch.replace("dir/f.s", 1, "a", "z").over(base, "p");
        assertEquals("z\n  b # c\nd\n", patched.read("dir/x.lvd", "f.s").orElseThrow().text());
        assertEquals("p:dir/f.s", patched.read("dir/x.lvd", "f.s").orElseThrow().name());
        assertEquals("a\n", patched.read("dir/x.lvd", "g.s").orElseThrow().text());
    }

    /** A spec on disk is patched as a built-in is (what a mutation analysis of a user's spec needs). */
    @Test
    void patchesASpecOnDisk(@TempDir Path dir) throws Exception {
        SpecLoader.Loaded builtin = SpecLoader.load("lvd-hardened");
        java.util.Set<String> paths = new java.util.TreeSet<>(builtin.files().keySet());
        paths.add("asm/hardened/asm-offsets.s");
        for (String p : paths) {
            Path to = dir.resolve(p);
            Files.createDirectories(to.getParent());
            Files.writeString(to, SourceSet.builtin().read("", p).orElseThrow().text());
        }
        String spec = dir.resolve("lvd-hardened.lvd").toString();
        SpecLoader.Loaded plain = SpecLoader.load(spec);
        String gate = SourceSet.resolve(plain.specPath(), "asm/hardened/gate.s");
        assertTrue(plain.files().containsKey(gate), plain.files().keySet().toString());
        Patch drop = Patch.delete(gate, 33, "        jne vmfunc_trampoline_abort");
        SpecLoader.Loaded patched = SpecLoader.loadPatched(spec, drop, "no-check");
        assertEquals("no-check", patched.spec().name());
        assertEquals("no-check:" + gate, patched.files().get(gate).name());
        assertEquals(drop.apply(plain.files().get(gate)), patched.files().get(gate).text());
        assertNotEquals(plain.files().get(gate).sha256(), patched.files().get(gate).sha256());
        assertEquals(plain.specFile().sha256(), patched.specFile().sha256());
        InputError wrong = assertThrows(InputError.class,
                () -> SpecLoader.loadPatched(spec, Patch.delete(gate, 34, "        jne vmfunc_trampoline_abort"), "x"));
        assertEquals(new SourcePos(gate, 34, 1), wrong.pos());
        InputError absent = assertThrows(InputError.class,
                () -> SpecLoader.loadPatched(spec, Patch.delete("nope.s", 1, "a"), "x"));
        assertTrue(absent.detail().contains("not one of its files"), absent.detail());
    }
}
