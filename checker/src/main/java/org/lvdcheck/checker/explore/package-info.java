/**
 * The explorer of DESIGN.md §5: a state-space search generic over any {@link
 * org.lvdcheck.checker.explore.TransitionSystem} (initial states, successors in a fixed order,
 * a seeded 64-bit fingerprint), shaped like Stateright's checkers and TLC's fingerprint
 * search.
 *
 * <p>{@link org.lvdcheck.checker.explore.Explorer} runs breadth-first search (default;
 * shortest counterexamples, results independent of the worker count), depth-first search, or
 * seeded random simulation. It keeps a seen set of at most 24 bytes per state (fingerprint,
 * parent, action index) and rebuilds every trace by re-executing the recorded action indices,
 * checking each state's fingerprint on the way. Partial-order reduction is the system's
 * business (it returns an ample set when asked); the engine applies the cycle proviso: a
 * reduced expansion that reaches no new state is replaced by the full one.
 *
 * <p>The package knows nothing of the LVD machine; an adapter in the checker maps the
 * emulator's step function onto {@code TransitionSystem}.
 */
package org.lvdcheck.checker.explore;
