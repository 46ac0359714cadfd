package org.lvdcheck.spec.idl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The IDL test files committed under src/test/resources/idl. */
final class IdlResources {
    static final List<String> FILES = List.of("minimal.idl", "constructs.idl", "driver.idl", "netdev.idl",
            "blockdev.idl", "locks-globals.idl", "real-constructs.idl");

    private IdlResources() {}

    static String read(String name) {
        try (InputStream in = IdlResources.class.getResourceAsStream("/idl/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource idl/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
