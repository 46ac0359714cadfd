package org.lvdcheck.properties.mapping;

import org.lvdcheck.properties.PropertyId;

/**
 * One violation of INV1, INV2 or INV3 with its evidence: the view and CPU, one concrete address
 * (a guest-virtual address for INV1, a host-physical frame for INV2 and INV3) and the walk that
 * reaches it, in words ("domain net, cpu0: GPA 0x… -> HPA 0x… (EPT rwx) is the root (PML4) of …").
 *
 * @param cpu the CPU whose view maps it, or -1 when it holds on every CPU (a hypercall policy)
 */
public record MappingViolation(PropertyId property, String view, int cpu, long address, String evidence) {
    @Override
    public String toString() {
        return property.name() + " " + evidence;
    }
}
