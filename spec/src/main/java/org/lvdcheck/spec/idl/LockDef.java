package org.lvdcheck.spec.idl;

/** {@code spinlock NAME;} or {@code atomic_lock NAME;}. */
public record LockDef(boolean atomic, String name, Where where) implements ModuleItem {}
