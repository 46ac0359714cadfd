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
