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
final class ExactStore<S> extends IdColumns<S> {
    /** An estimate of a {@code HashMap} entry with a boxed id and an ids-list slot, excluding the state. */
    static final int ENTRY_BYTES = 64;

    private final Map<S, Integer> ids = new HashMap<>();
    private final List<S> states = new ArrayList<>();

    @Override
    public int find(S state, long fingerprint) {
        Integer id = ids.get(state);
        return id == null ? -1 : id;
    }

    @Override
    public int insert(S state, long fingerprint, int parent, int action) {
        check(action);
        int id = states.size();
        if (ids.putIfAbsent(state, id) != null) {
            return -1;
        }
        states.add(state);
        append(parent, action);
        return id;
    }

    @Override
    public int size() {
        return states.size();
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
        return columnBytes() + (long) states.size() * ENTRY_BYTES;
    }
}
