package org.lvdcheck.spec.lvd;

import java.util.Locale;
import org.lvdcheck.spec.InputError;

/** Typed readings of spec words; each error points at the word's column. */
public final class Values {
    private Values() {}

    /** 0x-hex, 0b-binary or decimal, with '_' separators and an optional K/M/G/T (binary) suffix. */
    public static long number(Token t, String what) throws InputError {
        String s = t.text().replace("_", "");
        long mult = 1;
        if (!s.isEmpty()) {
            char last = Character.toUpperCase(s.charAt(s.length() - 1));
            int shift = switch (last) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            if (shift != 0 && !(s.startsWith("0x") || s.startsWith("0X"))) {
                mult = 1L << shift;
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            long v;
            if (s.startsWith("0x") || s.startsWith("0X")) {
                v = Long.parseUnsignedLong(s.substring(2), 16);
            } else if (s.startsWith("0b") || s.startsWith("0B")) {
                v = Long.parseUnsignedLong(s.substring(2), 2);
            } else {
                v = Long.parseLong(s);
            }
            if (mult != 1 && (v < 0 || v > Long.MAX_VALUE / mult)) {
                throw new InputError(t.pos(), what + " is too large: '" + t.text() + "'");
            }
            return v * mult;
        } catch (NumberFormatException e) {
            throw new InputError(t.pos(), "expected " + what + " (a number like 4096, 0x1000 or 4K), got '"
                    + t.text() + "'");
        }
    }

    static int smallInt(Token t, String what, int min, int max) throws InputError {
        long v = number(t, what);
        if (v < min || v > max) {
            throw new InputError(t.pos(), what + " must be in " + min + ".." + max + ", got " + t.text());
        }
        return (int) v;
    }

    static long pageAligned(Token t, String what) throws InputError {
        long v = number(t, what);
        if ((v & 0xFFF) != 0) {
            throw new InputError(t.pos(), what + " must be 4 KiB aligned, got " + t.text());
        }
        return v;
    }

    static long pageSize(Token t) throws InputError {
        String s = t.text().toUpperCase(Locale.ROOT);
        return switch (s) {
            case "4K" -> 1L << 12;
            case "2M" -> 1L << 21;
            case "1G" -> 1L << 30;
            default -> throw new InputError(t.pos(), "page size is 4K, 2M or 1G, got '" + t.text() + "'");
        };
    }

    static boolean yesNo(Token t) throws InputError {
        return switch (t.text()) {
            case "yes", "on", "true" -> true;
            case "no", "off", "false" -> false;
            default -> throw new InputError(t.pos(), "expected yes or no, got '" + t.text() + "'");
        };
    }

    /**
     * A three-letter rights word in a fixed order, each letter or '-': e.g. {@code rwx},
     * {@code r--}, {@code --x}. Returns a bit mask with bit i set for letter i.
     */
    static int letters(Token t, String order, String what) throws InputError {
        String s = t.text();
        if (s.length() != order.length()) {
            throw new InputError(t.pos(), what + " is " + order.length() + " letters from '" + order
                    + "' or '-', e.g. '" + order + "', got '" + s + "'");
        }
        int mask = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == order.charAt(i)) {
                mask |= 1 << i;
            } else if (c != '-') {
                throw new InputError(t.at(i), what + ": position " + (i + 1) + " is '" + order.charAt(i)
                        + "' or '-', got '" + c + "'");
            }
        }
        return mask;
    }

    static <E extends Enum<E>> E oneOf(Token t, Class<E> type, String what) throws InputError {
        String want = t.text().toUpperCase(Locale.ROOT).replace('-', '_');
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(want)) {
                return e;
            }
            if (names.length() > 0) {
                names.append(", ");
            }
            names.append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new InputError(t.pos(), what + " is one of " + names + "; got '" + t.text() + "'");
    }

    static String name(Token t, String what) throws InputError {
        String s = t.text();
        if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
            throw new InputError(t.pos(), what + " must start with a letter, got '" + s + "'");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.')) {
                throw new InputError(t.at(i), what + " may hold letters, digits, '_', '-' and '.', got '" + c + "'");
            }
        }
        return s;
    }
}
