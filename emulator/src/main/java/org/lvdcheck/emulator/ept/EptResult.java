package org.lvdcheck.emulator.ept;

import java.util.List;
import org.lvdcheck.emulator.mem.MemWrite;

/** Outcome of translating one guest-physical access through the EPT (SDM Vol. 3C 28.2). */
public sealed interface EptResult permits EptResult.Ok, EptResult.Violation, EptResult.Misconfig {

    /**
     * The access is allowed.
     *
     * @param hpa the host-physical address
     * @param rwx effective rights: AND of bits 2:0 over every entry walked
     * @param pageSizeLevel level of the mapping entry: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB
     * @param memoryType EPT memory type of the leaf (bits 5:3)
     * @param adWrites the EPT accessed/dirty-flag updates the walk performs (8-byte entry values,
     *        in walk order), empty unless EPTP bit 6 is set; the caller applies them to memory
     */
    record Ok(long hpa, int rwx, int pageSizeLevel, int memoryType, List<MemWrite> adWrites) implements EptResult {
    }

    /** EPT violation, basic exit reason 48, with the exit qualification of 27.2.1 (Table 27-7). */
    record Violation(long exitQualification, long gpa) implements EptResult {
        public boolean read() {
            return (exitQualification & 1) != 0;
        }

        public boolean write() {
            return (exitQualification & 2) != 0;
        }

        public boolean fetch() {
            return (exitQualification & 4) != 0;
        }

        /** Bits 5:3: the AND of the R/W/X bits of the entries walked. */
        public int rwx() {
            return (int) ((exitQualification >>> 3) & 7);
        }

        public boolean linearValid() {
            return (exitQualification & (1L << 7)) != 0;
        }

        /** Bit 8 (meaningful when bit 7 is set): the access was to the linear address's translation. */
        public boolean toLinearTranslation() {
            return (exitQualification & (1L << 8)) != 0;
        }

        public boolean nmiUnblocking() {
            return (exitQualification & (1L << 12)) != 0;
        }
    }

    /** EPT misconfiguration, basic exit reason 49 (28.2.3.1); no exit qualification. */
    record Misconfig(long gpa) implements EptResult {
    }
}
