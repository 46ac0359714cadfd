package org.lvdcheck.spec.idl;

/**
 * The effective direction of a value after D4's default propagation: {@code in} is
 * copied from caller to callee, {@code out} back, {@code in,out} both ways.
 */
public enum Direction {
    IN("__in"), OUT("__out"), IN_OUT("__io");

    private final String suffix;

    Direction(String suffix) {
        this.suffix = suffix;
    }

    /** The suffix idlc gives the instance of a projection under this direction. */
    public String instanceSuffix() {
        return suffix;
    }

    public boolean toCallee() {
        return this != OUT;
    }

    public boolean toCaller() {
        return this != IN;
    }

    public String spelling() {
        return switch (this) {
            case IN -> "in";
            case OUT -> "out";
            case IN_OUT -> "in,out";
        };
    }
}
