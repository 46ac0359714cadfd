package org.lvdcheck.properties.mapping;

/**
 * The rights a guest translation's entries grant together (SDM Vol. 3A 4.6.1): writable when
 * R/W = 1 in every entry, user when U/S = 1 in every entry, executable when no entry sets XD
 * (with EFER.NXE = 1). Written like the spec's page-table flags: {@code rwxk}, {@code r--u}.
 */
public record GuestRights(boolean write, boolean user, boolean execute) {
    public String letters() {
        return "r" + (write ? "w" : "-") + (execute ? "x" : "-") + (user ? "u" : "k");
    }

    @Override
    public String toString() {
        return letters();
    }
}
