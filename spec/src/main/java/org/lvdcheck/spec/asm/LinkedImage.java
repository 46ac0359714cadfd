package org.lvdcheck.spec.asm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The result of {@link Assembler#link}: every section's bytes at its address, the
 * instructions placed in them (found only at their first byte) and the symbols.
 */
public final class LinkedImage {

    /** A placed section: [start, start + bytes.length). */
    record SectionImage(String name, long start, byte[] bytes) {
    }

    private final Map<String, SectionImage> sections;
    private final NavigableMap<Long, PlacedInstruction> instructions;
    private final Map<String, Long> symbols;
    private final NavigableMap<Long, String> names;

    LinkedImage(Map<String, SectionImage> sections, NavigableMap<Long, PlacedInstruction> instructions,
            Map<String, Long> symbols, NavigableMap<Long, String> names) {
        this.sections = Collections.unmodifiableMap(sections);
        this.instructions = Collections.unmodifiableNavigableMap(instructions);
        this.symbols = Collections.unmodifiableMap(symbols);
        this.names = Collections.unmodifiableNavigableMap(names);
    }

    /** The instruction that starts at {@code address}; empty inside an instruction or in data. */
    public Optional<PlacedInstruction> at(long address) {
        return Optional.ofNullable(instructions.get(address));
    }

    /** All instructions in address order. */
    public List<PlacedInstruction> instructions() {
        return new ArrayList<>(instructions.values());
    }

    public Set<String> sectionNames() {
        return sections.keySet();
    }

    private SectionImage section(String name) {
        SectionImage s = sections.get(name);
        if (s == null) {
            throw new NoSuchElementException("no section " + name + " in the image; sections: " + sections.keySet());
        }
        return s;
    }

    /** A copy of the section's bytes (instructions, data and padding). */
    public byte[] sectionBytes(String section) {
        return section(section).bytes().clone();
    }

    public long sectionStart(String section) {
        return section(section).start();
    }

    /** One past the section's last byte. */
    public long sectionEnd(String section) {
        SectionImage s = section(section);
        return s.start() + s.bytes().length;
    }

    /** The byte at {@code address} if some section holds it. */
    public Optional<Integer> byteAt(long address) {
        for (SectionImage s : sections.values()) {
            if (address >= s.start() && address - s.start() < s.bytes().length) {
                return Optional.of(s.bytes()[(int) (address - s.start())] & 0xff);
            }
        }
        return Optional.empty();
    }

    /**
     * A symbol's address (or .set value), including the externals given to link. Local names
     * defined in several files are qualified "file:name".
     */
    public OptionalLong symbol(String name) {
        Long v = symbols.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    public Map<String, Long> symbols() {
        return symbols;
    }

    /** A label at exactly this address (global names first, then alphabetical). */
    public Optional<String> symbolAt(long address) {
        return Optional.ofNullable(names.get(address));
    }
}
