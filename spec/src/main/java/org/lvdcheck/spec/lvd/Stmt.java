package org.lvdcheck.spec.lvd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lvdcheck.spec.InputError;
import org.lvdcheck.spec.SourcePos;

/**
 * One statement of a {@code .lvd} file: a keyword, positional words and {@code key=value}
 * options. Accessors consume what they read; {@link #finish()} rejects what is left, so a
 * misspelt option is an error at its column, never silently ignored.
 */
public final class Stmt {
    private final Token keyword;
    private final List<Token> positional;
    private final Map<String, Token> keys = new LinkedHashMap<>();
    private final Map<String, Token> values = new LinkedHashMap<>();
    private final Set<String> used = new java.util.HashSet<>();
    private int positionalUsed;

    Stmt(Token keyword, List<Token> positional, List<Token[]> options) throws InputError {
        this.keyword = keyword;
        this.positional = List.copyOf(positional);
        for (Token[] kv : options) {
            if (keys.containsKey(kv[0].text())) {
                throw new InputError(kv[0].pos(), "option '" + kv[0].text() + "' given twice");
            }
            keys.put(kv[0].text(), kv[0]);
            values.put(kv[0].text(), kv[1]);
        }
    }

    public Token keyword() {
        return keyword;
    }

    public SourcePos pos() {
        return keyword.pos();
    }

    public int positionalCount() {
        return positional.size();
    }

    /** The next positional word; an error naming {@code what} if there is none. */
    public Token next(String what) throws InputError {
        if (positionalUsed >= positional.size()) {
            SourcePos at = positional.isEmpty() ? endOfKeyword() : endOf(positional.get(positional.size() - 1));
            throw new InputError(at, "'" + keyword.text() + "' needs " + what);
        }
        return positional.get(positionalUsed++);
    }

    public boolean hasNext() {
        return positionalUsed < positional.size();
    }

    /** All remaining positional words. */
    public List<Token> rest() {
        List<Token> r = new ArrayList<>(positional.subList(positionalUsed, positional.size()));
        positionalUsed = positional.size();
        return Collections.unmodifiableList(r);
    }

    public Token option(String key) {
        used.add(key);
        return values.get(key);
    }

    public Token required(String key, String what) throws InputError {
        Token t = option(key);
        if (t == null) {
            throw new InputError(endOf(last()), "'" + keyword.text() + "' needs " + key + "=" + what);
        }
        return t;
    }

    /** Every option as (key token, value token), in order; marks them all read. */
    public List<Token[]> allOptions() {
        List<Token[]> r = new ArrayList<>();
        for (Map.Entry<String, Token> e : keys.entrySet()) {
            used.add(e.getKey());
            r.add(new Token[] {e.getValue(), values.get(e.getKey())});
        }
        return r;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** Rejects positional words and options nobody read. */
    public void finish() throws InputError {
        if (positionalUsed < positional.size()) {
            Token extra = positional.get(positionalUsed);
            throw new InputError(extra.pos(), "unexpected '" + extra.text() + "' in '" + keyword.text() + "'");
        }
        for (Map.Entry<String, Token> e : keys.entrySet()) {
            if (!used.contains(e.getKey())) {
                throw new InputError(e.getValue().pos(),
                        "unknown option '" + e.getKey() + "' for '" + keyword.text() + "'");
            }
        }
    }

    private Token last() {
        Token last = keyword;
        for (Token t : positional) {
            last = later(last, t);
        }
        for (Token t : values.values()) {
            last = later(last, t);
        }
        return last;
    }

    private static Token later(Token a, Token b) {
        return b.pos().column() > a.pos().column() ? b : a;
    }

    private SourcePos endOfKeyword() {
        return endOf(keyword);
    }

    private static SourcePos endOf(Token t) {
        return t.at(t.text().length());
    }
}
