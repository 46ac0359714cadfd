package org.lvdcheck.checker.explore;

/**
 * A progress report the explorer sends every few seconds (DESIGN.md §5 progress line).
 *
 * @param distinctStates states in the seen set
 * @param queue states waiting to be expanded
 * @param depth the BFS level being expanded (DFS: stack depth; simulate: walk step)
 * @param statesPerSecond distinct states per second since the start
 * @param seconds seconds since the start
 */
public record Progress(long distinctStates, long queue, int depth, double statesPerSecond, double seconds) {
}
