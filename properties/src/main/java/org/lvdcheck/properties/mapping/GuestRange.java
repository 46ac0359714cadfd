package org.lvdcheck.properties.mapping;

import org.lvdcheck.emulator.ept.EptEntry;
import org.lvdcheck.properties.mapping.AccessMode.Access;

/**
 * A run of guest-virtual pages that translate, through guest paging and then one EPT, to a run
 * of host-physical pages: {@code [gva, gva + size) → [gpa, …) → [hpa, …)}, with the guest-level
 * and EPT-level rights reported apart.
 *
 * <p>Whether an access succeeds also depends on the accessed and dirty flags: an access sets the
 * accessed flag of every entry used and a write the dirty flag of the leaf, each an EPT-checked
 * write to the table (SDM Vol. 3A 4.8), so with read-only tables only preset flags let it through.
 *
 * @param gva first guest-virtual address (canonical; compare unsigned)
 * @param guest the rights the guest entries grant together
 * @param eptRwx the EPT's effective rights over the guest-physical run
 * @param accessedSettable every entry on the way with a clear accessed flag lies in a table the
 *        EPT lets the processor write (so any access can set it)
 * @param dirtySettable the leaf's dirty flag is set, or its table is EPT-writable
 */
public record GuestRange(long gva, long size, long gpa, long hpa, GuestRights guest, int eptRwx,
                         boolean accessedSettable, boolean dirtySettable) {

    /** The last guest-virtual byte (inclusive, so a range at the top of the space does not wrap). */
    public long gvaLast() {
        return gva + size - 1;
    }

    public boolean containsGva(long a) {
        return Long.compareUnsigned(a, gva) >= 0 && Long.compareUnsigned(a, gvaLast()) <= 0;
    }

    /** Whether an explicit access of {@code kind} in {@code mode} to any byte of the range succeeds. */
    public boolean allows(Access kind, AccessMode mode) {
        return mode.allows(guest, kind) && accessedSettable && (kind != Access.WRITE || dirtySettable)
                && (eptRwx & kind.bit()) != 0;
    }

    /** The effective rights in {@code mode}: R, W, X bits as in an EPT entry. */
    public int rights(AccessMode mode) {
        int r = 0;
        for (Access a : Access.values()) {
            if (allows(a, mode)) {
                r |= a.bit();
            }
        }
        return r;
    }

    /** "GVA 0x… → GPA 0x… (guest rw-k) → HPA 0x… (EPT rwx)". */
    public String walk() {
        return "GVA " + Hex.of(gva) + " -> GPA " + Hex.of(gpa) + " (guest " + guest.letters() + ") -> HPA "
                + Hex.of(hpa) + " (EPT " + EptEntry.rightsString(eptRwx) + ")";
    }

    /** The same translation restricted to {@code [from, from + len)}, which must lie inside. */
    public GuestRange slice(long from, long len) {
        long off = from - gva;
        return new GuestRange(from, len, gpa + off, hpa + off, guest, eptRwx, accessedSettable, dirtySettable);
    }
}
