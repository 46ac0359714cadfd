package org.lvdcheck.emulator.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.emulator.ept.EptResult;
import org.lvdcheck.emulator.mem.MemWrite;
import org.lvdcheck.emulator.paging.LinearAccess;
import org.lvdcheck.emulator.paging.LinearResult;
import org.lvdcheck.emulator.paging.PagingResult;
import org.lvdcheck.emulator.vmx.ExitReason;

class MemResultTest {
    @Test
    void linearMemoryResultsTranslate() {
        List<MemWrite> w = List.of(new MemWrite(0x1000, 8, 5));
        assertEquals(new MemResult.Ok(7, w), MemResult.of(new LinearResult.Value(7), w));
        assertEquals(new MemResult.Fault(14, 6, 0x4000),
                MemResult.of(new LinearResult.Fault(new PagingResult.PageFault(6, 0x4000)), List.of()));
        assertEquals(new MemResult.Fault(13, 0, 0),
                MemResult.of(new LinearResult.Fault(new PagingResult.GeneralProtection(0)), List.of()));
        assertEquals(new MemResult.Fault(12, 0, 0),
                MemResult.of(new LinearResult.Fault(new PagingResult.StackFault(0)), List.of()));
        assertEquals(new MemResult.EptExit(ExitReason.EPT_VIOLATION, 0x182, 0x7000, 0x3000),
                MemResult.of(new LinearResult.Fault(new PagingResult.EptExit(new EptResult.Violation(0x182, 0x3000),
                        0x7000)), List.of()));
        assertEquals(new MemResult.EptExit(ExitReason.EPT_MISCONFIGURATION, 0, 0x7000, 0x3000),
                MemResult.of(new LinearResult.Fault(new PagingResult.EptExit(new EptResult.Misconfig(0x3000),
                        0x7000)), List.of()));
    }

    @Test
    void accessKindsMapOntoLinearAccesses() {
        assertEquals(LinearAccess.STACK_WRITE, AccessKind.STACK_WRITE.linearAccess());
        assertEquals(LinearAccess.SUPERVISOR_READ, AccessKind.SUPERVISOR_READ.linearAccess());
        for (AccessKind k : AccessKind.values()) {
            LinearAccess a = k.linearAccess();
            assertEquals(k.isStack(), a.stackSegment(), k.name());
            assertEquals(k.isImplicitSupervisor(), a.implicitSupervisor(), k.name());
        }
    }
}
