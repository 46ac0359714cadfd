package org.lvdcheck.checker.explore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The seen set of whole states ({@code --exact}, DESIGN.md §5): no fingerprint collisions are
 * possible, at the cost of keeping every state. For small specs and tests; the state type must
 * implement {@code equals} and {@code hashCode}.
 */
final class ExactStore<S> implements StateStore<S> {
    /** An estimate of a {@code HashMap} entry with a boxed id and an ids-list slot, excluding the state. */
    static final int ENTRY_BYTES = 64;

    private final Map<S, Integer> ids = new HashMap<>();
    private final List<S> states = new ArrayList<>();
    private final IntChunks parents = new IntChunks();
    private final ActionColumn actions = new ActionColumn();

    @Override
    public int find(S state, long fingerprint) {
        Integer id = ids.get(state);
        return id == null ? -1 : id;
    }

    @Override
    public int insert(S state, long fingerprint, int parent, int action) {
        ActionColumn.check(action);
        int id = states.size();
        if (ids.putIfAbsent(state, id) != null) {
            return -1;
        }
        states.add(state);
        parents.add(parent);
        actions.add(action);
        return id;
    }

    @Override
    public int size() {
        return states.size();
    }

    @Override
    public int parent(int id) {
        return parents.get(id);
    }

    @Override
    public int action(int id) {
        return actions.action(id);
    }

    @Override
    public int sleep(int id) {
        return actions.sleep(id);
    }

    @Override
    public void sleep(int id, int mask) {
        actions.sleep(id, mask);
    }

    @Override
    public int expanded(int id) {
        return actions.expanded(id);
    }

    @Override
    public void expanded(int id, int agents) {
        actions.expanded(id, agents);
    }

    @Override
    public boolean matches(int id, S state, long fingerprint) {
        return states.get(id).equals(state);
    }

    @Override
    public String describe(int id) {
        return "state " + states.get(id);
    }

    @Override
    public boolean usesFingerprints() {
        return false;
    }

    /** The id columns plus {@link #ENTRY_BYTES} per state; the states themselves are not counted. */
    @Override
    public long bytes() {
        return parents.bytes() + actions.bytes() + (long) states.size() * ENTRY_BYTES;
    }
}
