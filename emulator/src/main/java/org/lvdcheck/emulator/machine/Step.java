package org.lvdcheck.emulator.machine;

import java.util.List;

/** The result of one transition: the next state and what happened, for traces and statistics. */
public record Step(MachineState state, List<Event> events) {
    public Step {
        events = List.copyOf(events);
    }
}
