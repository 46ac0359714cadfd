package org.lvdcheck.checker.explore;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * A plain textbook BFS over a {@link TransitionSystem}, full expansions only, whole states in a
 * hash map: the distance of every state reachable without passing through a violation, the
 * distance of the first violation of each property, and the deadlocks. The tests compare the
 * explorer against it.
 */
final class ReferenceBfs<S> {
    final Map<S, Integer> distance = new HashMap<>();
    final Map<String, Integer> violationDistance = new HashMap<>();
    int deadlocks;
    int maxDistance;

    ReferenceBfs(TransitionSystem<S> system) {
        Queue<S> queue = new ArrayDeque<>();
        for (S s : system.initialStates()) {
            List<Violation> bad = system.checkInitial(s);
            bad.forEach(v -> violationDistance.putIfAbsent(v.property(), 0));
            if (bad.isEmpty() && distance.putIfAbsent(s, 0) == null) {
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            S s = queue.remove();
            int d = distance.get(s);
            maxDistance = Math.max(maxDistance, d);
            List<Transition<S>> next = system.expand(s, false).transitions();
            if (next.isEmpty() && !system.isFinal(s)) {
                deadlocks++;
            }
            for (Transition<S> t : next) {
                t.violations().forEach(v -> violationDistance.merge(v.property(), d + 1, Math::min));
                if (t.violations().isEmpty() && distance.putIfAbsent(t.target(), d + 1) == null) {
                    queue.add(t.target());
                }
            }
        }
    }
}
