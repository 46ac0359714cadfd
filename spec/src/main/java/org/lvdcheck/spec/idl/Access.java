package org.lvdcheck.spec.idl;

/**
 * What one side can do to a member of the other side's object: READ when the other
 * side's value is copied to it, WRITE when its value is copied into the other side's object.
 */
public enum Access {
    READ, WRITE;

    public String word() {
        return this == READ ? "read" : "write";
    }
}
