package org.lvdcheck.checker.emulate;

import java.util.Locale;
import org.lvdcheck.emulator.machine.Action;
import org.lvdcheck.emulator.machine.Event;
import org.lvdcheck.emulator.machine.InstructionText;
import org.lvdcheck.emulator.run.ScenarioRunner;

/** One readable line per step: step, CPU, active view, RIP and instruction, then what else happened. */
public final class TraceFormat {
    private final InstructionText text;

    public TraceFormat(InstructionText text) {
        this.text = text;
    }

    public String line(ScenarioRunner.TraceStep t) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%8d  cpu%d  %-7s ", t.step(), t.cpu(), t.viewBefore()));
        String rest = "";
        if (t.action() instanceof Action.Interrupt i) {
            sb.append(String.format(Locale.ROOT, "%016x  interrupt vector 0x%02x arrives", t.ripBefore(), i.vector()));
        } else if (t.action() instanceof Action.KillIpi) {
            sb.append(String.format(Locale.ROOT, "%016x  the hypervisor's kill IPI arrives", t.ripBefore()));
        } else {
            boolean executed = false;
            for (Event e : t.events()) {
                if (e instanceof Event.Executed x) {
                    sb.append(String.format(Locale.ROOT, "%016x  %s", x.rip(), text.of(x.insn())));
                    executed = true;
                }
            }
            if (!executed) {
                sb.append("                  (scheduler)");
            }
        }
        for (Event e : t.events()) {
            String s = describe(e);
            if (s != null) {
                rest += "  | " + s;
            }
        }
        return sb + rest;
    }

    public static String describe(Event e) {
        if (e instanceof Event.Crossing x) {
            return "VMFUNC " + x.from() + " -> " + x.to();
        }
        if (e instanceof Event.VmExit x) {
            return "VM exit " + x.reason() + " (" + x.reasonName() + ") from " + x.origin() + ": " + x.decision()
                    + (x.detail().isEmpty() ? "" : " (" + x.detail() + ")");
        }
        if (e instanceof Event.Delivered d) {
            return "delivered vector 0x" + Integer.toHexString(d.vector()) + " under " + d.view()
                    + (d.fromDomain() && d.exitless() ? " (exitless, inside the domain)" : "");
        }
        if (e instanceof Event.Primitive p) {
            return p.name() + ": " + p.detail();
        }
        if (e instanceof Event.Fault f) {
            return "fault vector " + f.vector() + (f.errorCode() >= 0 ? " error 0x" + Long.toHexString(f.errorCode()) : "")
                    + ": " + f.why();
        }
        if (e instanceof Event.Stopped s) {
            return "CPU STOPPED: " + s.why();
        }
        if (e instanceof Event.Switched s) {
            return "switch " + s.from() + " -> " + s.to();
        }
        if (e instanceof Event.TaintUse t) {
            return "TAINT: trusted code at 0x" + Long.toHexString(t.rip()) + " used an attacker value: " + t.what();
        }
        if (e instanceof Event.DriverControl d) {
            return "the driver takes control at 0x" + Long.toHexString(d.rip()) + ": " + d.why();
        }
        if (e instanceof Event.TransitionCodeInterrupted t) {
            return "the interrupt finds the driver's registers in transition code at 0x" + Long.toHexString(t.rip())
                    + ": the frame saves RIP ⊤, and its IRETQ resumes with one of the driver's jumps";
        }
        if (e instanceof Event.DriverMoved m) {
            return "driver move: " + m.move();
        }
        if (e instanceof Event.StaleTranslation t) {
            return "INVEPT OBLIGATION: " + t.by() + " changed GPA 0x" + Long.toHexString(t.gpa()) + " in the " + t.ept()
                    + " from " + translation(t.before()) + " to " + translation(t.after()) + " with no INVEPT";
        }
        if (e instanceof Event.Killed k) {
            return "domain " + k.domain() + " KILLED: " + k.why();
        }
        if (e instanceof Event.KillIpiTaken k) {
            return k.resumed() ? "kill IPI: still inside killed " + k.domain() + ", resumes the kernel at the gate's error return"
                    : "kill IPI: already out of the killed domain (under " + k.domain() + "), nothing to do";
        }
        return null;
    }

    /** A page translation as {@code EptBuilder.pageTranslation} gives it: HPA and rights, or "unmapped". */
    private static String translation(long t) {
        if ((t & 7) == 0) {
            return "unmapped";
        }
        return "HPA 0x" + Long.toHexString(t & ~0xFFFL) + " " + ((t & 1) != 0 ? "R" : "-") + ((t & 2) != 0 ? "W" : "-")
                + ((t & 4) != 0 ? "X" : "-");
    }
}
