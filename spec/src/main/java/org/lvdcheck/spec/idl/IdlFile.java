package org.lvdcheck.spec.idl;

import java.util.List;

/**
 * One parsed D4 file: either a module file (one or more modules) or a driver file
 * (includes around one driver definition); the unused part is empty or null.
 */
public record IdlFile(String fileName, List<String> includesBefore, DriverDef driver, List<String> includesAfter,
        List<ModuleDef> modules) {
    public IdlFile {
        includesBefore = List.copyOf(includesBefore);
        includesAfter = List.copyOf(includesAfter);
        modules = List.copyOf(modules);
    }

    public boolean isDriverFile() {
        return driver != null;
    }
}
