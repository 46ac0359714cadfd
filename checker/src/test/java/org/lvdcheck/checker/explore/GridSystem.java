package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.List;

/**
 * Cells (x, y) of an n × n grid from (0, 0), stepping right (action 0 when enabled) or up:
 * n² states, 2n(n − 1) transitions, depth 2(n − 1). Entering the diagonal cell (k, k)
 * violates {@code DIAG} when {@code diagonal = k > 0}. The corner is final unless
 * {@code cornerFinal} is false, when it is the one deadlock.
 */
class GridSystem implements TransitionSystem<GridSystem.Cell> {
    record Cell(int x, int y) {
    }

    final int n;
    final int diagonal;
    final boolean cornerFinal;

    GridSystem(int n, int diagonal, boolean cornerFinal) {
        this.n = n;
        this.diagonal = diagonal;
        this.cornerFinal = cornerFinal;
    }

    GridSystem(int n) {
        this(n, -1, true);
    }

    @Override
    public List<Cell> initialStates() {
        return List.of(new Cell(0, 0));
    }

    @Override
    public List<Violation> checkInitial(Cell s) {
        return List.of();
    }

    @Override
    public Expansion<Cell> expand(Cell s, boolean reduced) {
        List<Transition<Cell>> out = new ArrayList<>();
        if (s.x() < n - 1) {
            out.add(step(out.size(), "right", new Cell(s.x() + 1, s.y())));
        }
        if (s.y() < n - 1) {
            out.add(step(out.size(), "up", new Cell(s.x(), s.y() + 1)));
        }
        return Expansion.all(out);
    }

    private Transition<Cell> step(int index, String label, Cell target) {
        boolean bad = target.x() == diagonal && target.y() == diagonal;
        return new Transition<>(index, label, target, bad ? List.of(new Violation("DIAG", "at " + target)) : List.of());
    }

    @Override
    public long fingerprint(Cell s, long seed) {
        return Fp.of(seed, s.x(), s.y());
    }

    @Override
    public boolean isFinal(Cell s) {
        return cornerFinal && s.x() == n - 1 && s.y() == n - 1;
    }
}
