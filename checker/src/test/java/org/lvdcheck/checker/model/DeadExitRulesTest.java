package org.lvdcheck.checker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lvdcheck.checker.trace.Replay;
import org.lvdcheck.spec.lvd.SpecLoader;

/**
 * Exit-policy lines no VM exit can reach (SDM Vol. 3C 25.1.3): lvd-hardened's {@code exit hlt}
 * under a VMCS without HLT exiting; none in tiny.lvd, whose VMCS sets every control its policy
 * lines need; and tiny.lvd with HLT and MOV-DR exiting turned off, whose two lines are then dead.
 */
class DeadExitRulesTest {
    @Test
    void lvdHardenedsHltLineNeverApplies() throws Exception {
        List<String> notes = DeadExitRules.of(Replay.system(SpecLoader.load("lvd-hardened"), true).machine());
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).endsWith("lvd-hardened.lvd:179:1: `exit hlt` never applies: the VMCS leaves "
                + "hlt-exiting off, so the instruction does not exit"), notes.get(0));
    }

    @Test
    void tinysLinesAllApply() throws Exception {
        assertEquals(List.of(), DeadExitRules.of(Replay.system(SmallSpecs.load("tiny.lvd"), true).machine()));
    }

    @Test
    void turningTheControlsOffKillsTheirLines() throws Exception {
        String text = SmallSpecs.text("tiny.lvd");
        String off = text.replace("hlt-exiting=yes", "hlt-exiting=no").replace("mov-dr-exiting=yes", "mov-dr-exiting=no");
        List<String> notes = DeadExitRules.of(Replay.system(SmallSpecs.load("tiny.lvd", off), true).machine());
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("`exit mov-dr` never applies: the VMCS leaves mov-dr-exiting off"), notes.get(0));
        assertTrue(notes.get(1).contains("`exit hlt` never applies: the VMCS leaves hlt-exiting off"), notes.get(1));
        int movDr = text.lines().toList().indexOf(text.lines().filter(l -> l.startsWith("exit mov-dr")).findFirst()
                .orElseThrow()) + 1;
        assertTrue(notes.get(0).contains("tiny.lvd:" + movDr + ":1:"), notes.get(0));
    }
}
