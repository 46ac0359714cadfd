package org.lvdcheck.checker.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fingerprint seen set: lookups, links, growth and its 24-bytes-per-state budget. */
class FingerprintStoreTest {
    /** One chunk per column (16 bytes per entry) and the initial index: fixed overhead. */
    static final long SLACK = 16L * IntChunks.CHUNK + 4L * FingerprintStore.INITIAL_SLOTS + 4096;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void storesFindsAndLinksRandomFingerprints(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 300_000;
        long[] fps = new long[n];
        FingerprintStore<Object> store = new FingerprintStore<>();
        for (int i = 0; i < n; i++) {
            fps[i] = i == 7 ? 0 : random.nextLong();
            assertEquals(i, store.insert(null, fps[i], i - 1, i % 5), "seed " + seed);
            assertEquals(-1, store.insert(null, fps[i], 0, 0), "seed " + seed);
        }
        assertEquals(n, store.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, store.find(null, fps[i]), "seed " + seed);
            assertEquals(i - 1, store.parent(i));
            assertEquals(i % 5, store.action(i));
            assertTrue(store.matches(i, null, fps[i]));
        }
        for (int i = 0; i < 1000; i++) {
            long absent = random.nextLong();
            assertEquals(-1, store.find(null, absent) >= 0 ? -2 : -1, "seed " + seed + ": found " + absent);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {4, 5})
    void aSnapshotFindsTheStatesStoredBeforeItAndNoneAfterWhileAnotherThreadInserts(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        FingerprintStore<Object> store = new FingerprintStore<>();
        int before = 50_000, after = 400_000; // the index grows several times after the snapshot
        long[] fps = new long[before + after];
        for (int i = 0; i < fps.length; i++) {
            fps[i] = random.nextLong();
        }
        for (int i = 0; i < before; i++) {
            store.insert(null, fps[i], i - 1, 0);
        }
        StateStore.Lookup snapshot = store.snapshot();
        Thread writer = new Thread(() -> {
            for (int i = before; i < fps.length; i++) {
                store.insert(null, fps[i], i - 1, 0);
            }
        });
        writer.start();
        int wrong = 0;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < fps.length; i += 7) {
                int expected = i < before ? i : -1;
                if (snapshot.find(fps[i]) != expected) {
                    wrong++;
                }
            }
        }
        writer.join();
        assertEquals(0, wrong, "seed " + seed);
        assertEquals(before + after, store.size());
        assertEquals(before + after - 1, store.find(null, fps[fps.length - 1]), "the store itself finds the later ones");
        assertEquals(-1, snapshot.find(fps[fps.length - 1]));
    }

    @Test
    void neverExceedsTwentyFourBytesPerStateBeyondAFixedSlack() {
        FingerprintStore<Object> store = new FingerprintStore<>();
        SplittableRandom random = new SplittableRandom(11);
        double worst = 0;
        for (int n = 1; n <= 2_000_000; n++) {
            store.insert(null, random.nextLong(), n - 2, 0);
            long bytes = store.bytes();
            assertTrue(bytes <= 24L * n + SLACK, n + " states take " + bytes + " bytes");
            if (n > 1_000_000) {
                worst = Math.max(worst, (double) bytes / n);
            }
        }
        assertTrue(worst <= 24.2, "worst bytes per state " + worst);
        assertTrue(worst > 23.5, "the index just grew: " + worst);
    }

    @Test
    void explorerExposesTheSeenSetSize() {
        Explorer<GridSystem.Cell> explorer = new Explorer<>(new GridSystem(400), Explorer.Options.defaults());
        explorer.run();
        assertEquals(160_000, explorer.distinctStates());
        assertTrue(explorer.seenSetBytes() <= 24L * 160_000 + SLACK, "bytes " + explorer.seenSetBytes());
        assertTrue(explorer.seenSetBytes() >= 16L * 160_000, "bytes " + explorer.seenSetBytes());
    }
}
