package org.lvdcheck.properties.mapping;

/** Addresses in evidence text: lower-case hex with a 0x prefix, as the SDM and the spec write them. */
final class Hex {
    private Hex() {
    }

    static String of(long v) {
        return "0x" + Long.toHexString(v);
    }
}
