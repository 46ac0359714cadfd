package org.lvdcheck.spec.idl;

/** A value attribute: the direction a value is copied in, or that it is not copied. */
public enum ValAttr {
    IN, OUT, UNUSED;

    public String spelling() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
