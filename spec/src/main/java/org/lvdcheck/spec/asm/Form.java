package org.lvdcheck.spec.asm;

/**
 * The encoding choices GNU as makes from what it knows while assembling, not from the
 * final values: a symbolic immediate or displacement takes the full 32-bit field, a jump
 * is rel8 or rel32 after relaxation, movabs asks for imm64/moffs64.
 */
record Form(boolean wideImm, boolean wideDisp, boolean shortBranch, boolean movabs) {
    static final Form DEFAULT = new Form(false, false, false, false);

    static Form of(InsnTemplate t, boolean shortBranch) {
        return new Form(t.wideImm(), t.wideDisp(), shortBranch, t.movabs());
    }
}
