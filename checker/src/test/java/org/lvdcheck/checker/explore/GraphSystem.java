package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded random directed graph: nodes 0..n-1, each with 0 to 3 successors (duplicates and
 * self-loops allowed), one to three initial nodes, about 4% "bad" nodes (entering one, or
 * starting in one, violates {@code BAD}) and some final nodes among those without successors.
 */
final class GraphSystem implements TransitionSystem<Integer> {
    final int n;
    final int[][] edges;
    final boolean[] bad;
    final boolean[] fin;
    final List<Integer> initial = new ArrayList<>();

    GraphSystem(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        n = 20 + r.nextInt(400);
        edges = new int[n][];
        bad = new boolean[n];
        fin = new boolean[n];
        for (int v = 0; v < n; v++) {
            edges[v] = new int[r.nextInt(4)];
            for (int k = 0; k < edges[v].length; k++) {
                edges[v][k] = r.nextInt(n);
            }
            bad[v] = r.nextInt(25) == 0;
            fin[v] = edges[v].length == 0 && r.nextBoolean();
        }
        int starts = 1 + r.nextInt(3);
        for (int k = 0; k < starts; k++) {
            initial.add(r.nextInt(n));
        }
    }

    @Override
    public List<Integer> initialStates() {
        return initial;
    }

    @Override
    public List<Violation> checkInitial(Integer s) {
        return bad[s] ? List.of(new Violation("BAD", "starts in " + s)) : List.of();
    }

    @Override
    public Expansion<Integer> expand(Integer s, boolean reduced) {
        List<Transition<Integer>> out = new ArrayList<>();
        for (int k = 0; k < edges[s].length; k++) {
            int t = edges[s][k];
            out.add(new Transition<>(k, "edge " + (k % 2), t, bad[t] ? List.of(new Violation("BAD", "enters " + t))
                    : List.of()));
        }
        return Expansion.all(out);
    }

    @Override
    public long fingerprint(Integer s, long seed) {
        return Fp.of(seed, s);
    }

    @Override
    public boolean isFinal(Integer s) {
        return fin[s];
    }
}
