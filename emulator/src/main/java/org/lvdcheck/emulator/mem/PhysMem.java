package org.lvdcheck.emulator.mem;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Sparse host-physical memory in 4 KiB frames, immutable: every change goes through an
 * {@link Editor} whose {@link Editor#freeze()} returns a new PhysMem that shares every frame the
 * edit did not touch (copy-on-write per frame). A frame is allocated when first written or
 * explicitly allocated; an absent frame reads as zero.
 *
 * <p>Taint (DESIGN.md §3): every aligned 8-byte word has a taint bit, set when a ⊤ (attacker)
 * value is stored over any of its bytes; a tainted word holds the canonical value 0. A store of
 * clean data that covers a whole word clears its bit; a partial store of clean data into a
 * tainted word leaves it tainted. Each frame also has a "domain wrote since" bit, set by the
 * compromised driver's write to a frame the model tracks concretely ({@link Editor#domainWrite})
 * and cleared when every byte of the frame is forgotten ({@link Editor#forget}).
 *
 * <p>Dead bytes (the model checker's dead-stack reduction, docs/MODEL.md): a byte can be marked
 * as holding no value ({@link Editor#forget}); it reads as nothing: a read that touches it throws
 * {@link DeadRead}, so a reduction that forgot a byte somebody still needed fails loudly instead
 * of answering with a stale or canonical value. A write gives the byte a value again.
 *
 * <p>Discarded frames (the compromised-driver semantics, docs/MODEL.md "Havoc memory and tracked
 * frames"): a memory may name frames whose contents nobody observes ({@link #discarding}); every
 * edit of such a frame (a write, a forget, a domain write, an allocation) is dropped, so they keep
 * the contents they had when the predicate was set, in every memory derived from this one.
 *
 * <p>Equality is on contents: the same set of allocated frames with the same bytes, taint bits,
 * dead bytes and domain-wrote bits. The model checker's fingerprint is {@link #contentHash(long)}, not
 * {@link #hashCode()}.
 */
public final class PhysMem implements PhysReader {
    public static final int FRAME_SHIFT = 12;
    public static final long FRAME_SIZE = 1L << FRAME_SHIFT;
    static final int WORDS = 512;
    /** Longs of taint bits per frame: one bit per word. */
    static final int TAINT_LONGS = WORDS / 64;
    /** Longs of dead bits per frame: one bit per byte. */
    static final int DEAD_LONGS = (int) FRAME_SIZE / 64;

    /** A read touched a byte that holds no value (see {@link Editor#forget}). */
    public static final class DeadRead extends RuntimeException {
        private final long hpa;

        DeadRead(long hpa) {
            super(String.format("read of host-physical 0x%x, a byte the model marked as holding no value", hpa));
            this.hpa = hpa;
        }

        /** The first dead byte the read touched. */
        public long hpa() {
            return hpa;
        }
    }

    private final int maxPhysAddrBits;
    /** Sorted frame numbers, parallel to {@link #frames}. */
    private final long[] numbers;
    /** The frames, parallel to {@link #numbers}; null in a packed memory ({@link #packed}, {@link #f()}). */
    private final Frame[] frames;
    /** A packed memory's frames, built from {@link #chunks} on first use ({@link #f()}). */
    private volatile Frame[] unpacked;
    /**
     * A packed memory's frames in runs of {@link #CHUNK}, each run an array a whole generation of
     * kept memories shares ({@link Interner}); null in a memory that is not packed.
     */
    private final Frame[][] chunks;
    /** Frames per run of a packed memory. */
    private static final int CHUNK = 16;
    /** Frame number to index in {@link #numbers}; shared by every memory with the same numbers array. */
    private final FrameIndex index;

    /** Whether any frame has dead bytes (reads of a memory without any need no check). */
    private final boolean hasDead;

    /** Frames whose edits are dropped ({@link #discarding}), or null; not part of the contents. */
    private final java.util.function.LongPredicate discard;

    private PhysMem(int maxPhysAddrBits, long[] numbers, Frame[] frames, FrameIndex index,
                    java.util.function.LongPredicate discard) {
        this.maxPhysAddrBits = maxPhysAddrBits;
        this.numbers = numbers;
        this.frames = frames;
        this.chunks = null;
        this.index = index;
        this.discard = discard;
        boolean dead = false;
        for (Frame f : frames) {
            dead |= f.dead != null;
        }
        this.hasDead = dead;
    }

    /** A packed memory: {@code chunks} hold the frames of {@code numbers}, {@link #CHUNK} to an array. */
    private PhysMem(int maxPhysAddrBits, long[] numbers, Frame[][] chunks, FrameIndex index,
                    java.util.function.LongPredicate discard, boolean hasDead) {
        this.maxPhysAddrBits = maxPhysAddrBits;
        this.numbers = numbers;
        this.frames = null;
        this.chunks = chunks;
        this.index = index;
        this.discard = discard;
        this.hasDead = hasDead;
    }

    /** The frames, parallel to {@link #numbers} (a packed memory builds them on first use and keeps them). */
    private Frame[] f() {
        Frame[] fs = frames;
        return fs != null ? fs : unpack();
    }

    private Frame[] unpack() {
        Frame[] fs = unpacked;
        if (fs == null) {
            fs = new Frame[numbers.length];
            for (int k = 0; k < chunks.length; k++) {
                System.arraycopy(chunks[k], 0, fs, k * CHUNK, chunks[k].length);
            }
            unpacked = fs;
        }
        return fs;
    }

    /** An empty memory for a CPU with the given MAXPHYADDR (SDM Vol. 3A 4.1.4: 36..52 bits). */
    public static PhysMem empty(int maxPhysAddrBits) {
        if (maxPhysAddrBits < 32 || maxPhysAddrBits > 52) {
            throw new IllegalArgumentException("MAXPHYADDR " + maxPhysAddrBits);
        }
        return new PhysMem(maxPhysAddrBits, new long[0], new Frame[0], new FrameIndex(new long[0]), null);
    }

    /**
     * This memory, and every memory derived from it, dropping every edit of a frame
     * {@code frames} accepts (frame numbers): they keep their present contents. The model checker
     * gives it the havoc frames, whose contents no reader it explores observes.
     */
    public PhysMem discarding(java.util.function.LongPredicate frames) {
        return new PhysMem(maxPhysAddrBits, numbers, f(), index, frames);
    }

    /**
     * The identity of this memory's numbering of its frames: memories with the same identity
     * hold the same frame numbers at the same positions ({@link #positionOf}). With
     * {@link #frameAt} it lets a cache tell, without reading, that a frame has not changed.
     */
    public Object frameSetId() {
        return numbers;
    }

    /** The position of frame {@code frameNumber} in this memory's numbering, or a negative number when it is not allocated. */
    public int positionOf(long frameNumber) {
        return index.of(frameNumber);
    }

    /**
     * The frame at position {@code position}, as an opaque object to compare by identity: frames
     * are immutable, so the same object holds the same contents (words, ⊤ and dead bytes).
     */
    public Object frameAt(int position) {
        return f()[position];
    }

    /** Whether edits of frame {@code frameNumber} are dropped ({@link #discarding}). */
    public boolean discards(long frameNumber) {
        return discard != null && discard.test(frameNumber);
    }

    @Override
    public int maxPhysAddrBits() {
        return maxPhysAddrBits;
    }

    /** Number of allocated frames. */
    public int frameCount() {
        return numbers.length;
    }

    /** Whether frame {@code frameNumber} (hpa &gt;&gt; 12) has been allocated. */
    public boolean isAllocated(long frameNumber) {
        return index.of(frameNumber) >= 0;
    }

    /** The allocated frame numbers in ascending order (a copy). */
    public long[] frameNumbers() {
        return numbers.clone();
    }

    @Override
    public long read(long hpa, int size) {
        checkAddress(hpa, size);
        int offsetInWord = (int) (hpa & 7);
        if (offsetInWord + size <= 8) {
            int i = index.of(hpa >>> FRAME_SHIFT);
            if (i < 0) {
                return 0;
            }
            Frame f = f()[i];
            if (f.dead != null) {
                checkLive(this::deadOf, hpa, size);
            }
            long word = f.words[(int) ((hpa >>> 3) & (WORDS - 1))] >>> (offsetInWord * 8);
            return size == 8 ? word : word & ((1L << (size * 8)) - 1);
        }
        checkLive(this::deadOf, hpa, size);
        return readBytes(this, hpa, size);
    }

    /** Receives the live aligned words of a scan ({@link #forEachLiveWord}). */
    public interface WordSink {
        void word(long hpa, long value);
    }

    /**
     * Every aligned 8-byte word of {@code [hpa, end)} (within one frame, both 8-aligned) whose
     * bytes all hold a value, lowest first; a frame never allocated holds zeros. One frame
     * lookup for the whole range: the dead-stack bounds scan stacks on every step.
     */
    public void forEachLiveWord(long hpa, long end, WordSink sink) {
        if (hpa >= end) {
            return;
        }
        int i = index.of(hpa >>> FRAME_SHIFT);
        long frameBase = hpa & ~(long) (FRAME_SIZE - 1);
        if (end > frameBase + FRAME_SIZE || ((hpa | end) & 7) != 0) {
            throw new IllegalArgumentException("scan must be word-aligned within one frame");
        }
        if (i < 0) {
            for (long a = hpa; a < end; a += 8) {
                sink.word(a, 0);
            }
            return;
        }
        Frame f = f()[i];
        long[] d = f.dead;
        for (long a = hpa; a < end; a += 8) {
            int o = (int) (a - frameBase);
            if (d != null && ((d[o >>> 6] >>> (o & 63)) & 0xFF) != 0) {
                continue;
            }
            sink.word(a, f.words[o >>> 3]);
        }
    }

    /** Whether any byte of {@code [hpa, hpa + size)} holds no value (reading it would throw {@link DeadRead}). */
    public boolean isDead(long hpa, int size) {
        return firstDead(this::deadOf, hpa, size) >= 0;
    }

    /**
     * An identity token for what frame {@code frameNumber} holds in this memory, null when it is
     * not allocated. Frames are immutable, so memories that give the same token hold the same
     * contents, taint and dead bytes there (equal contents may still have distinct tokens): a
     * cache of a value computed from one frame compares tokens instead of reading the frame.
     */
    public Object frameToken(long frameNumber) {
        int i = index.of(frameNumber);
        return i >= 0 ? f()[i] : null;
    }

    /** Whether frame {@code frameNumber} is the same frame object in both memories (or absent from both). */
    public boolean sameFrame(PhysMem other, long frameNumber) {
        int i = index.of(frameNumber);
        int j = other.index.of(frameNumber);
        return i < 0 ? j < 0 : j >= 0 && f()[i] == other.f()[j];
    }

    /** Whether this memory and {@code other} allocate the same frames. */
    public boolean sameFrameNumbers(PhysMem other) {
        return numbers == other.numbers || Arrays.equals(numbers, other.numbers);
    }

    /**
     * The host addresses of the aligned 8-byte words in which this memory and {@code other}, which
     * allocate the same frames ({@link #sameFrameNumbers}), hold different values or taint,
     * ascending; null when some word holds a value in one and has a byte without a value in the
     * other. Frames held as the same object or with equal hashes are taken as equal without being
     * read. One pass over the frame arrays: for comparisons made on every step of an exploration.
     */
    public long[] differingWords(PhysMem other) {
        if (!sameFrameNumbers(other)) {
            throw new IllegalArgumentException("the two memories allocate different frames");
        }
        long[] out = null;
        int n = 0;
        Frame[] mine = f();
        Frame[] theirs = other.f();
        for (int i = 0; i < mine.length; i++) {
            Frame a = mine[i];
            Frame b = theirs[i];
            if (a == b || a.hash() == b.hash()) {
                continue;
            }
            long base = numbers[i] << FRAME_SHIFT;
            for (int k = 0; k < WORDS; k++) {
                int o = k << 3;
                boolean da = a.dead != null && ((a.dead[o >>> 6] >>> (o & 63)) & 0xFF) != 0;
                boolean db = b.dead != null && ((b.dead[o >>> 6] >>> (o & 63)) & 0xFF) != 0;
                if (da != db) {
                    return null;
                }
                if (da) {
                    continue;
                }
                boolean ta = a.taint != null && (a.taint[k >>> 6] & (1L << k)) != 0;
                boolean tb = b.taint != null && (b.taint[k >>> 6] & (1L << k)) != 0;
                if (a.words[k] != b.words[k] || ta != tb) {
                    if (out == null) {
                        out = new long[8];
                    } else if (n == out.length) {
                        out = Arrays.copyOf(out, 2 * n);
                    }
                    out[n++] = base + o;
                }
            }
        }
        return out == null ? new long[0] : Arrays.copyOf(out, n);
    }

    /** Whether every byte of {@code [hpa, hpa + length)} (within one frame) holds no value. */
    public boolean isAllDead(long hpa, int length) {
        long[] d = deadOf(hpa >>> FRAME_SHIFT);
        if (d == null) {
            return length <= 0;
        }
        int from = (int) (hpa & (FRAME_SIZE - 1));
        int b = from;
        while (b < from + length) {
            if ((b & 63) == 0 && b + 64 <= from + length) {
                if (d[b >>> 6] != -1L) {
                    return false;
                }
                b += 64;
            } else {
                if ((d[b >>> 6] & (1L << b)) == 0) {
                    return false;
                }
                b++;
            }
        }
        return true;
    }

    private long[] deadOf(long frameNumber) {
        int i = index.of(frameNumber);
        return i >= 0 ? f()[i].dead : null;
    }

    /**
     * A value derived from one frame's contents alone, its words and its dead bytes (one bit per
     * byte, null: none; both arrays read-only, the frame's own), computed once per frame content
     * and cached with the frame under {@code key}. It cannot depend on the frame's number: one
     * frame object may stand at several numbers.
     */
    public interface ContentFunction<T> {
        T apply(long[] words, long[] dead);
    }

    /** The value {@code f} derives from frame {@code frameNumber}, cached with the frame under {@code key}; null if the frame is not allocated. */
    public <T> T contentDerived(long frameNumber, Object key, ContentFunction<T> f) {
        int i = index.of(frameNumber);
        return i < 0 ? null : derived(f()[i], key, f);
    }

    @SuppressWarnings("unchecked")
    private static <T> T derived(Frame fr, Object key, ContentFunction<T> f) {
        Object[] d = fr.derived;
        if (d != null && d[0] == key) {
            return (T) d[1];
        }
        T v = f.apply(fr.words, fr.dead);
        fr.derived = new Object[] {key, v};
        return v;
    }

    /**
     * {@link #contentDerived} of every allocated frame {@code skip} does not accept (frame
     * numbers), in ascending frame order, to {@code sink}; {@code skip} is asked about every
     * allocated frame, in ascending order.
     */
    public <T> void forEachContentDerived(Object key, java.util.function.LongPredicate skip, ContentFunction<T> f,
            DerivedSink<T> sink) {
        Frame[] fs = f();
        for (int i = 0; i < numbers.length; i++) {
            if (skip.test(numbers[i])) {
                continue;
            }
            sink.accept(numbers[i], derived(fs[i], key, f));
        }
    }

    /** Receives each frame's derived value ({@link #forEachContentDerived}); the frame number unboxed. */
    public interface DerivedSink<T> {
        void accept(long frameNumber, T value);
    }

    /** {key, value} of {@link #memo}. */
    private volatile Object[] memo;

    /**
     * A value derived from this whole memory's contents, computed once per memory object and
     * cached with it under {@code key} (one slot: the last key wins); an interned copy
     * ({@link #interned}) keeps it. {@code f} must read nothing but the contents.
     */
    @SuppressWarnings("unchecked")
    public <T> T memo(Object key, java.util.function.Function<PhysMem, T> f) {
        Object[] m = memo;
        if (m != null && m[0] == key) {
            return (T) m[1];
        }
        T v = f.apply(this);
        memo = new Object[] {key, v};
        return v;
    }

    @Override
    public boolean isTainted(long hpa, int size) {
        checkAddress(hpa, size);
        return anyTainted(n -> {
            int i = index.of(n);
            return i >= 0 ? f()[i].taint : null;
        }, hpa, size);
    }

    /** Whether the compromised driver wrote frame {@code frameNumber} (its "domain wrote since" bit). */
    public boolean domainWrote(long frameNumber) {
        int i = index.of(frameNumber);
        return i >= 0 && f()[i].domainWrote;
    }

    /** A new memory with the writes applied in order. */
    public PhysMem apply(List<MemWrite> writes) {
        if (writes.isEmpty()) {
            return this;
        }
        Editor e = edit();
        e.apply(writes);
        return e.freeze();
    }

    /** A mutable overlay on this memory. */
    public Editor edit() {
        return new Editor(this);
    }

    /**
     * The cached content hash of frame {@code frameNumber}, 0 when it is not allocated: lets a
     * cache of results computed from a few frames tell cheaply whether those frames changed.
     */
    public long frameHash(long frameNumber) {
        int i = index.of(frameNumber);
        return i >= 0 ? f()[i].hash() : 0;
    }

    /**
     * Whether any of the frames {@code frameNumbers} (ascending) may differ from {@code before}, an
     * earlier version of this memory (this one derived from it by edits): allocated since, or
     * held as a different frame object (an edit copies each frame it touches, so a rewrite with
     * equal contents counts too). Compares references and reads no contents — one pass over the
     * frame lists — for filters that run on every step of an exploration.
     */
    public boolean mayDifferIn(PhysMem before, long[] frameNumbers) {
        if (before == this) {
            return false;
        }
        if (numbers.length == before.numbers.length) {
            // Frames are never freed, so equal counts mean the same frames at the same indices.
            Frame[] mine = f();
            Frame[] theirs = before.f();
            for (int k = 0; k < mine.length; k++) {
                if (mine[k] != theirs[k] && Arrays.binarySearch(frameNumbers, numbers[k]) >= 0) {
                    return true;
                }
            }
            return false;
        }
        int i = 0;
        int j = 0;
        long[] old = before.numbers;
        for (long f : frameNumbers) {
            while (i < numbers.length && numbers[i] < f) {
                i++;
            }
            while (j < old.length && old[j] < f) {
                j++;
            }
            boolean here = i < numbers.length && numbers[i] == f;
            boolean there = j < old.length && old[j] == f;
            if (here != there || here && f()[i] != before.f()[j]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether frame {@code frameNumber} differs from {@code before}'s in a word (its value, its ⊤
     * label or whether it holds a value) other than the words at the given offsets within the frame
     * ({@code allowed}: multiples of 8), or in its domain-written bit.
     */
    public boolean changedOutside(PhysMem before, long frameNumber, long[] allowed) {
        int i = index.of(frameNumber);
        int j = before.index.of(frameNumber);
        if (i < 0) {
            return false;
        }
        Frame now = f()[i];
        Frame old = j >= 0 ? before.f()[j] : null;
        if (now == old) {
            return false;
        }
        if (old == null || now.domainWrote != old.domainWrote) {
            return true;
        }
        for (int w = 0; w < WORDS; w++) {
            boolean differs = now.words[w] != old.words[w] || bit(now.taint, w) != bit(old.taint, w)
                    || deadByte(now.dead, w) != deadByte(old.dead, w);
            if (differs && Arrays.binarySearch(allowed, 8L * w) < 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean bit(long[] bits, int w) {
        return bits != null && (bits[w >>> 6] >>> (w & 63) & 1) != 0;
    }

    private static long deadByte(long[] dead, int w) {
        return dead == null ? 0 : dead[w >>> 3] >>> ((w & 7) * 8) & 0xFF;
    }

    /**
     * The seed and the sum of {@link #term}s of the last {@link #contentHash(long)} (the memory is
     * immutable).
     */
    private volatile Hash64.Seeded sumCache;
    /**
     * The memory this one was frozen from with the same frame numbers, and the indices of the
     * frames that differ, until this memory's hash is computed: a hash of the base for the same
     * seed then gives this one's by the changed frames' terms alone.
     */
    private PhysMem hashBase;
    private int[] hashChanged;

    /**
     * 64-bit hash over the allocated frames (numbers and contents), deterministic across runs: a
     * mix of the sum of one mixed term per frame (its number and content hash), so that a memory
     * frozen from another with the same frames is hashed by the frames it changed.
     */
    public long contentHash(long seed) {
        return Hash64.mix(frameSum(seed) ^ numbers.length);
    }

    private long frameSum(long seed) {
        Hash64.Seeded c = sumCache;
        if (!Hash64.Seeded.holds(c, seed)) {
            PhysMem b = hashBase;
            int[] changed = hashChanged;
            Hash64.Seeded bc = b == null ? null : b.sumCache;
            long sum;
            Frame[] fs = f();
            if (changed != null && b != null && b.numbers == numbers && Hash64.Seeded.holds(bc, seed)) {
                Frame[] bs = b.f();
                sum = bc.value();
                for (int k = 0; k < changed.length; k++) {
                    int i = changed[k];
                    boolean again = false;
                    for (int j = 0; j < k && !again; j++) {
                        again = changed[j] == i; // a frame changed twice on the way counts once
                    }
                    if (!again) {
                        sum += term(seed, numbers[i], fs[i].hash()) - term(seed, numbers[i], bs[i].hash());
                    }
                }
            } else {
                sum = 0;
                for (int i = 0; i < numbers.length; i++) {
                    sum += term(seed, numbers[i], fs[i].hash());
                }
            }
            c = new Hash64.Seeded(seed, sum);
            sumCache = c;
            hashBase = null;
            hashChanged = null;
        }
        return c.value();
    }

    private static long term(long seed, long number, long frameHash) {
        return Hash64.mix(Hash64.combine(Hash64.combine(seed ^ 0x5DEECE66DL, number), frameHash));
    }

    /**
     * {@link #contentHash} of {@code remapped(frameMap, rewrite)}, without building it: each frame's
     * rewritten hash is computed once and kept with the frame for {@code rewrite} (the same object
     * every call; it must rewrite a frame the same way whenever its number is the same).
     */
    public long remappedContentHash(long seed, java.util.function.LongUnaryOperator frameMap, FrameRewrite rewrite) {
        Object[] c = mirrorCache;
        if (c != null && c[0] == rewrite && (Long) c[1] == seed) {
            return Hash64.mix((Long) c[2] ^ numbers.length);
        }
        // Like frameSum: from the base's sum by the changed frames' terms, while the base is known
        // (compute this before contentHash, which lets the base go).
        PhysMem b = hashBase;
        int[] changed = hashChanged;
        Object[] bc = b == null ? null : b.mirrorCache;
        long sum;
        Frame[] fs = f();
        if (changed != null && b != null && b.numbers == numbers && bc != null && bc[0] == rewrite
                && (Long) bc[1] == seed) {
            Frame[] bs = b.f();
            sum = (Long) bc[2];
            for (int k = 0; k < changed.length; k++) {
                int i = changed[k];
                boolean again = false;
                for (int j = 0; j < k && !again; j++) {
                    again = changed[j] == i;
                }
                if (!again) {
                    long to = frameMap.applyAsLong(numbers[i]);
                    sum += term(seed, to, mirrorHash(fs[i], numbers[i], rewrite))
                            - term(seed, to, mirrorHash(bs[i], numbers[i], rewrite));
                }
            }
        } else {
            sum = 0;
            for (int i = 0; i < numbers.length; i++) {
                sum += term(seed, frameMap.applyAsLong(numbers[i]), mirrorHash(fs[i], numbers[i], rewrite));
            }
        }
        mirrorCache = new Object[] {rewrite, seed, sum};
        return Hash64.mix(sum ^ numbers.length);
    }

    /**
     * Lets go of the memory this one was frozen from, kept for an incremental {@link #contentHash}:
     * for a memory whose own hash nobody will ask for (one whose {@link #remappedContentHash} was all
     * that was wanted), so that the links do not keep a chain of ancestors alive. A later
     * {@link #contentHash} is then computed over every frame.
     */
    public void dropHashBase() {
        hashChanged = null;
        hashBase = null;
    }

    /** {rewrite, seed, sum of terms} of the last {@link #remappedContentHash}. */
    private volatile Object[] mirrorCache;

    /** The content hash of frame {@code f} at number {@code n} as {@code rewrite} rewrites it, kept with the frame. */
    private static long mirrorHash(Frame f, long n, FrameRewrite rewrite) {
        Object key = rewrite.key(n);
        Object[] m = f.mirror;
        for (int k = 0; m != null && k < m.length; k += 3) {
            if (m[k] == rewrite && m[k + 1].equals(key)) {
                return (Long) m[k + 2];
            }
        }
        FrameWords w = new FrameWords(f.words, f.taint, f.dead);
        rewrite.rewrite(n, w);
        long h = Arrays.equals(w.out, f.words) ? f.hash() : new Frame(w.out, f.taint, f.dead, f.domainWrote).hash();
        // One frame object may stand at several numbers (interned contents): keep a few keys.
        Object[] grown = m == null ? new Object[3] : Arrays.copyOf(m, Math.min(m.length + 3, 3 * MIRROR_KEYS));
        if (m != null && m.length == 3 * MIRROR_KEYS) {
            System.arraycopy(m, 3, grown, 0, m.length - 3);
        }
        grown[grown.length - 3] = rewrite;
        grown[grown.length - 2] = key;
        grown[grown.length - 1] = h;
        f.mirror = grown;
        return h;
    }

    /** How many keys {@link #remappedContentHash} keeps per frame. */
    private static final int MIRROR_KEYS = 4;

    /**
     * One 8-byte word that differs between two memories: its host-physical address, and its old and
     * new value, each with whether it was ⊤ (a ⊤ word holds 0).
     */
    public record WordChange(long hpa, long before, boolean beforeTop, long after, boolean afterTop) {}

    /**
     * The aligned words that differ from {@code before}, in address order (for traces: "what
     * changed"), words that now hold no value aside. Frames shared by both memories are skipped
     * without reading them.
     */
    public List<WordChange> changesSince(PhysMem before) {
        List<WordChange> out = new java.util.ArrayList<>();
        Frame[] fs = f();
        Frame[] bs = before.f();
        for (int i = 0; i < numbers.length; i++) {
            int j = before.index.of(numbers[i]);
            long[] old = j >= 0 ? bs[j].words : new long[WORDS];
            long[] oldTaint = j >= 0 ? bs[j].taint : null;
            if (j >= 0 && bs[j] == fs[i]) {
                continue;
            }
            long[] words = fs[i].words;
            long[] dead = fs[i].dead;
            long[] taint = fs[i].taint;
            for (int w = 0; w < WORDS; w++) {
                if (dead != null && ((dead[w >>> 3] >>> ((w & 7) * 8)) & 0xFF) == 0xFF) {
                    continue; // a word the model forgot: no value to show
                }
                boolean wasTop = bit(oldTaint, w);
                boolean isTop = bit(taint, w);
                if (old[w] != words[w] || wasTop != isTop) {
                    out.add(new WordChange((numbers[i] << FRAME_SHIFT) + 8L * w, old[w], wasTop, words[w],
                            isTop));
                }
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PhysMem other) || other.maxPhysAddrBits != maxPhysAddrBits
                || !Arrays.equals(numbers, other.numbers)) {
            return false;
        }
        Frame[] mine = f();
        Frame[] theirs = other.f();
        for (int i = 0; i < mine.length; i++) {
            Frame a = mine[i];
            Frame b = theirs[i];
            if (a != b && (a.hash() != b.hash() || !a.sameContents(b))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        long h = contentHash(0);
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "PhysMem[" + numbers.length + " frames, MAXPHYADDR " + maxPhysAddrBits + "]";
    }

    private long[] wordsOf(long frameNumber) {
        int i = index.of(frameNumber);
        return i >= 0 ? f()[i].words : null;
    }

    private void checkAddress(long hpa, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size " + size);
        }
        if (hpa < 0 || ((hpa + size - 1) >>> maxPhysAddrBits) != 0) {
            throw new IllegalArgumentException(String.format(
                    "host-physical access 0x%x+%d beyond MAXPHYADDR %d", hpa, size, maxPhysAddrBits));
        }
    }

    /** Source of frame words for {@link #readBytes}: the memory itself or an editor. */
    private interface WordSource {
        long[] words(long frameNumber);
    }

    /** The first byte of {@code [hpa, hpa + size)} that holds no value, or -1. */
    private static long firstDead(WordSource deadOf, long hpa, int size) {
        long frame = -1;
        long[] d = null;
        for (long b = hpa; b < hpa + size; b++) {
            if (b >>> FRAME_SHIFT != frame) {
                frame = b >>> FRAME_SHIFT;
                d = deadOf.words(frame);
            }
            int i = (int) (b & (FRAME_SIZE - 1));
            if (d != null && (d[i >>> 6] & (1L << i)) != 0) {
                return b;
            }
        }
        return -1;
    }

    private static void checkLive(WordSource deadOf, long hpa, int size) {
        long[] d = deadOf.words(hpa >>> FRAME_SHIFT);
        if (d == null && ((hpa + size - 1) >>> FRAME_SHIFT) == (hpa >>> FRAME_SHIFT)) {
            return;
        }
        long b = firstDead(deadOf, hpa, size);
        if (b >= 0) {
            throw new DeadRead(b);
        }
    }

    /** Whether any aligned word that {@code [hpa, hpa + size)} touches has its taint bit set. */
    private static boolean anyTainted(WordSource taintOf, long hpa, int size) {
        for (long w = hpa >>> 3; w <= (hpa + size - 1) >>> 3; w++) {
            long[] t = taintOf.words(w >>> 9);
            int i = (int) (w & (WORDS - 1));
            if (t != null && (t[i >>> 6] & (1L << i)) != 0) {
                return true;
            }
        }
        return false;
    }

    private static long readBytes(PhysMem mem, long hpa, int size) {
        return readBytes(mem::wordsOf, hpa, size);
    }

    /** Little-endian read; an access within one aligned word is one array load. */
    private static long readBytes(WordSource src, long hpa, int size) {
        int offsetInWord = (int) (hpa & 7);
        if (offsetInWord + size <= 8) {
            long[] w = src.words(hpa >>> FRAME_SHIFT);
            if (w == null) {
                return 0;
            }
            long word = w[(int) ((hpa >>> 3) & (WORDS - 1))] >>> (offsetInWord * 8);
            return size == 8 ? word : word & ((1L << (size * 8)) - 1);
        }
        long v = 0;
        for (int b = 0; b < size; b++) {
            v |= readBytes(src, hpa + b, 1) << (8 * b);
        }
        return v;
    }

    /**
     * This memory with every frame replaced by the canonical frame of the same contents, and its
     * frame set by the canonical one of the same numbers, in {@code in}: the same memory (equal in
     * everything a reader or a hash sees) holding less. The explorer interns the states it keeps
     * for later (a breadth-first level holds hundreds of thousands, most of whose frames have
     * contents another state's frame has too). Returns this memory when nothing changes.
     */
    public PhysMem interned(Interner in) {
        return interned(in, false);
    }

    /**
     * {@link #interned}, and packed: its frames are kept in runs of {@link #CHUNK} that the memories
     * packed in the same generation share, so a kept memory costs a few references instead of one per
     * frame (it builds its frame table again on first use, or {@link #unpacked}), and its memo is
     * shared with equal ones. Returns this memory when it is packed in this generation already.
     */
    public PhysMem packed(Interner in) {
        return interned(in, true);
    }

    private PhysMem interned(Interner in, boolean pack) {
        if (chunks != null && packedEpoch == in.epoch) {
            return this;
        }
        Frame[] fs = f();
        Frame[] out = null;
        for (int i = 0; i < fs.length; i++) {
            Frame f = fs[i];
            Frame c = f.internEpoch == in.epoch ? f : in.frame(f);
            if (c != f) {
                if (out == null) {
                    out = fs.clone();
                }
                out[i] = c;
            }
        }
        // A frame set travels with its numbers array (both built together, shared together), so a
        // canonical index means canonical numbers: most new states keep their parent's.
        Interner.FrameSet set = index.internEpoch == in.epoch ? null : in.frameSet(numbers, index);
        boolean sameSet = set == null || set.numbers() == numbers;
        long[] nums = sameSet ? numbers : set.numbers();
        FrameIndex idx = sameSet ? index : set.index();
        Frame[] canon = out == null ? fs : out;
        if (!pack) {
            return sameSet && out == null ? this : sameHash(new PhysMem(maxPhysAddrBits, nums, canon, idx, discard));
        }
        PhysMem packed = sameHash(new PhysMem(maxPhysAddrBits, nums, in.chunks(canon), idx, discard, hasDead));
        packed.packedEpoch = in.epoch;
        packed.memo = in.memo(packed.memo);
        return packed;
    }

    /**
     * This memory with its frame table at hand: for a packed memory ({@link #packed}) an equal
     * memory that is not packed, with its hash and memo; this memory otherwise. Reads of a packed
     * memory go through its runs; a memory many steps read (a state being expanded) reads faster so.
     */
    public PhysMem unpacked() {
        return frames != null ? this : sameHash(new PhysMem(maxPhysAddrBits, numbers, unpack(), index, discard));
    }

    /** How many runs of frames this memory is packed in (0: not packed). */
    int packedRuns() {
        return chunks == null ? 0 : chunks.length;
    }

    /** Run {@code k} of a packed memory, to compare by identity. */
    Object packedRun(int k) {
        return chunks[k];
    }

    /** The {@link Interner} epoch in which this packed memory's runs are the canonical ones (0: none). */
    private int packedEpoch;

    /** {@code m}, a memory of the same contents as this one, with this one's hash if it has one. */
    private PhysMem sameHash(PhysMem m) {
        m.sumCache = sumCache;
        m.mirrorCache = mirrorCache;
        m.memo = memo; // derived from the contents alone ({@link #memo})
        return m;
    }

    /**
     * The canonical frames and frame sets of one generation of kept memories (a breadth-first
     * level); {@link #clear()} starts the next. Not thread-safe: one thread interns.
     */
    public static final class Interner {
        private final java.util.HashMap<FrameKey, Frame> frames = new java.util.HashMap<>();
        /** Canonical runs of canonical frames ({@link #chunks}); a run's frames compared by identity. */
        private final java.util.HashMap<RunKey, Frame[]> runs = new java.util.HashMap<>();
        /** Canonical {@link #memo} slots holding a {@code long[]}: the same key, equal values. */
        private final java.util.HashMap<MemoKey, Object[]> memos = new java.util.HashMap<>();
        private final java.util.HashMap<NumbersKey, FrameSet> sets = new java.util.HashMap<>();
        private int epoch = 1;

        /** Forgets the canonical frames and sets: memories interned from now on share only with each other. */
        public void clear() {
            frames.clear();
            runs.clear();
            lastRuns = new Frame[0][];
            memos.clear();
            sets.clear();
            lastIndex = null;
            lastSet = null;
            epoch++;
        }

        /** Number of distinct frame contents interned since the last {@link #clear()}. */
        public int frames() {
            return frames.size();
        }

        /** {@code fs} (canonical frames) in runs of {@link #CHUNK}, each run the generation's canonical array of those frames. */
        Frame[][] chunks(Frame[] fs) {
            Frame[][] out = new Frame[(fs.length + CHUNK - 1) / CHUNK][];
            if (lastRuns.length < out.length) {
                lastRuns = Arrays.copyOf(lastRuns, out.length);
            }
            for (int k = 0; k < out.length; k++) {
                int from = k * CHUNK;
                int to = Math.min(fs.length, from + CHUNK);
                // Consecutive memories are mostly siblings: most runs are the last one interned here.
                Frame[] last = lastRuns[k];
                if (last != null && Arrays.equals(last, 0, last.length, fs, from, to)) {
                    out[k] = last;
                    continue;
                }
                Frame[] run = Arrays.copyOfRange(fs, from, to);
                Frame[] c = runs.putIfAbsent(new RunKey(run), run);
                out[k] = c == null ? run : c;
                lastRuns[k] = out[k];
            }
            return out;
        }

        /** The run interned last at each position (this generation's canonical arrays). */
        private Frame[][] lastRuns = new Frame[0][];

        /** {@code m}, a {@link #memo} slot, or the generation's equal one when its value is a {@code long[]}. */
        Object[] memo(Object[] m) {
            if (m == null || !(m[1] instanceof long[])) {
                return m;
            }
            Object[] c = memos.putIfAbsent(new MemoKey(m), m);
            return c == null ? m : c;
        }

        Frame frame(Frame f) {
            Frame c = frames.putIfAbsent(new FrameKey(f), f);
            if (c == null) {
                f.internEpoch = epoch;
                return f;
            }
            return c;
        }

        FrameSet frameSet(long[] numbers, FrameIndex index) {
            // Consecutive memories mostly share one (their parent's) index, and with it its numbers:
            // ask the table once for it.
            if (lastIndex == index) {
                return lastSet;
            }
            FrameSet found = canonicalSet(numbers, index);
            lastIndex = index;
            lastSet = found;
            return found;
        }

        /** The last index asked about in {@link #frameSet} and its canonical set (this generation's). */
        private FrameIndex lastIndex;
        private FrameSet lastSet;

        private FrameSet canonicalSet(long[] numbers, FrameIndex index) {
            FrameSet mine = new FrameSet(numbers, index);
            FrameSet c = sets.putIfAbsent(new NumbersKey(numbers), mine);
            if (c == null) {
                index.internEpoch = epoch;
                return mine;
            }
            return c;
        }

        record FrameSet(long[] numbers, FrameIndex index) {}

        private record FrameKey(Frame f) {
            @Override
            public boolean equals(Object o) {
                return o instanceof FrameKey k && (k.f == f || k.f.hash() == f.hash() && k.f.sameContents(f));
            }

            @Override
            public int hashCode() {
                return Long.hashCode(f.hash());
            }
        }

        private record RunKey(Frame[] run) {
            @Override
            public boolean equals(Object o) {
                return o instanceof RunKey k && Arrays.equals(k.run, run); // Frame has identity equality
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(run);
            }
        }

        private record MemoKey(Object[] slot) {
            @Override
            public boolean equals(Object o) {
                return o instanceof MemoKey k && k.slot[0] == slot[0] && Arrays.equals((long[]) k.slot[1], (long[]) slot[1]);
            }

            @Override
            public int hashCode() {
                return 31 * System.identityHashCode(slot[0]) + Arrays.hashCode((long[]) slot[1]);
            }
        }

        private record NumbersKey(long[] numbers) {
            @Override
            public boolean equals(Object o) {
                return o instanceof NumbersKey k && Arrays.equals(k.numbers, numbers);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(numbers);
            }
        }
    }

    /**
     * One frame's contents as a {@link #remapped} rewrite sees them: its words, which of them are
     * ⊤ or hold a dead byte (read only), and the words of the frame being built (a copy, written in
     * place).
     */
    public static final class FrameWords {
        private final long[] source;
        private final long[] taint;
        private final long[] dead;
        private final long[] out;

        FrameWords(long[] source, long[] taint, long[] dead) {
            this.source = source;
            this.taint = taint;
            this.dead = dead;
            this.out = source.clone();
        }

        /** Words per frame. */
        public static int size() {
            return WORDS;
        }

        /** Word {@code i} of the source frame. */
        public long word(int i) {
            return source[i];
        }

        /** Whether word {@code i} of the source frame holds a plain value: not ⊤, no byte of it dead. */
        public boolean plain(int i) {
            boolean top = taint != null && (taint[i >>> 6] >>> (i & 63) & 1) != 0;
            boolean gone = dead != null && (dead[i >>> 3] >>> ((i & 7) * 8) & 0xFF) != 0;
            return !top && !gone;
        }

        /** Whether every word of the source frame is plain. */
        public boolean allPlain() {
            for (int i = 0; taint != null && i < TAINT_LONGS; i++) {
                if (taint[i] != 0) {
                    return false;
                }
            }
            for (int i = 0; dead != null && i < DEAD_LONGS; i++) {
                if (dead[i] != 0) {
                    return false;
                }
            }
            return true;
        }

        /** Sets word {@code i} of the frame being built (its label and dead bytes stay those of source word {@code i}). */
        public void set(int i, long v) {
            out[i] = v;
        }
    }

    /** Rewrites the contents of one frame for {@link #remapped}. */
    @FunctionalInterface
    public interface FrameRewrite {
        /** Fills the frame that frame {@code from} becomes; {@code w} starts as a copy of its words. */
        void rewrite(long from, FrameWords w);

        /**
         * What the rewrite of a frame depends on besides its contents, for {@link #remappedContentHash}'s
         * cache (equal keys: the same rewrite of the same contents); by default the frame's number.
         */
        default Object key(long from) {
            return from;
        }
    }

    /**
     * This memory with every allocated frame moved to {@code frameMap}'s frame number and its
     * words rewritten by {@code rewrite} (labels, dead bytes and the domain-wrote bit move with the
     * frame; the discarded frames stay as they are named). The model checker's CPU symmetry
     * builds a state's mirror image with it. {@code frameMap} must be one-to-one on the allocated
     * frames.
     */
    public PhysMem remapped(java.util.function.LongUnaryOperator frameMap, FrameRewrite rewrite) {
        int n = numbers.length;
        Frame[] built = new Frame[n];
        Integer[] order = new Integer[n];
        long[] to = new long[n];
        Frame[] fs = f();
        for (int i = 0; i < n; i++) {
            Frame f = fs[i];
            FrameWords w = new FrameWords(f.words, f.taint, f.dead);
            rewrite.rewrite(numbers[i], w);
            built[i] = Arrays.equals(w.out, f.words) ? f : new Frame(w.out, f.taint, f.dead, f.domainWrote);
            to[i] = frameMap.applyAsLong(numbers[i]);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(to[a], to[b]));
        long[] nn = new long[n];
        Frame[] nf = new Frame[n];
        for (int k = 0; k < n; k++) {
            nn[k] = to[order[k]];
            nf[k] = built[order[k]];
            if (k > 0 && nn[k] == nn[k - 1]) {
                throw new IllegalArgumentException(String.format("two frames map to frame 0x%x", nn[k]));
            }
        }
        boolean same = Arrays.equals(nn, numbers);
        return new PhysMem(maxPhysAddrBits, same ? numbers : nn, nf, same ? index : new FrameIndex(nn), discard);
    }

    /**
     * This memory with the frames {@code fromOther} accepts (frame numbers) as {@code other} holds
     * them, present or absent there, and every other frame as this memory holds it.
     */
    public PhysMem merged(PhysMem other, java.util.function.LongPredicate fromOther) {
        long[] nn = new long[numbers.length + other.numbers.length];
        Frame[] nf = new Frame[nn.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < numbers.length || j < other.numbers.length) {
            long a = i < numbers.length ? numbers[i] : Long.MAX_VALUE;
            long b = j < other.numbers.length ? other.numbers[j] : Long.MAX_VALUE;
            if (a <= b) {
                if (!fromOther.test(a)) {
                    nn[k] = a;
                    nf[k++] = f()[i];
                }
                i++;
                if (a == b) {
                    if (fromOther.test(b)) {
                        nn[k] = b;
                        nf[k++] = other.f()[j];
                    }
                    j++;
                }
            } else {
                if (fromOther.test(b)) {
                    nn[k] = b;
                    nf[k++] = other.f()[j];
                }
                j++;
            }
        }
        nn = Arrays.copyOf(nn, k);
        nf = Arrays.copyOf(nf, k);
        boolean same = Arrays.equals(nn, numbers);
        return new PhysMem(maxPhysAddrBits, same ? numbers : nn, nf, same ? index : new FrameIndex(nn), discard);
    }

    /**
     * An immutable 4 KiB frame with its taint bits (null: none), dead bytes (null: none),
     * domain-wrote bit, cached content hash and one cached derived value.
     */
    private static final class Frame {
        final long[] words;
        final long[] taint;
        final long[] dead;
        final boolean domainWrote;
        private volatile long hash;
        /** {key, value} of {@link PhysMem#contentDerived}. */
        volatile Object[] derived;
        /** {rewrite, its key for this frame, hash}... of {@link PhysMem#remappedContentHash}, at most MIRROR_KEYS. */
        volatile Object[] mirror;
        /** The {@link Interner} epoch in which this frame is the canonical one of its contents (0: none). */
        int internEpoch;

        Frame(long[] words, long[] taint, long[] dead, boolean domainWrote) {
            this.words = words;
            this.taint = taint;
            this.dead = dead;
            this.domainWrote = domainWrote;
        }

        boolean sameContents(Frame o) {
            return domainWrote == o.domainWrote && Arrays.equals(words, o.words) && sameBits(taint, o.taint, TAINT_LONGS)
                    && sameBits(dead, o.dead, DEAD_LONGS);
        }

        private static boolean sameBits(long[] a, long[] b, int n) {
            for (int i = 0; i < n; i++) {
                if ((a == null ? 0 : a[i]) != (b == null ? 0 : b[i])) {
                    return false;
                }
            }
            return true;
        }

        long hash() {
            long h = hash;
            if (h == 0) {
                h = 0x243F6A8885A308D3L;
                for (int i = 0; i < WORDS; i++) {
                    long w = words[i];
                    if (w != 0) {
                        h = Hash64.combine(h, Hash64.mix(w) + i);
                    }
                }
                for (int i = 0; taint != null && i < TAINT_LONGS; i++) {
                    if (taint[i] != 0) {
                        h = Hash64.combine(h, Hash64.mix(taint[i]) + WORDS + i);
                    }
                }
                for (int i = 0; dead != null && i < DEAD_LONGS; i++) {
                    if (dead[i] != 0) {
                        h = Hash64.combine(h, Hash64.mix(dead[i]) + 2 * WORDS + i);
                    }
                }
                if (domainWrote) {
                    h = Hash64.combine(h, 0x5772697465L);
                }
                h = Hash64.mix(h);
                if (h == 0) {
                    h = 1;
                }
                hash = h;
            }
            return h;
        }
    }

    /**
     * A mutable overlay: writes copy a frame on first touch; reads see earlier writes;
     * {@link #freeze()} builds the new immutable memory. Not thread-safe; one per step.
     */
    public static final class Editor implements PhysReader {
        private final PhysMem base;
        private long[] touchedNumbers = new long[4];
        private Touched[] touchedFrames = new Touched[4];
        private int touched;
        private static final int LINEAR_LIMIT = 16;
        private Map<Long, Integer> index;
        private long lastNumber = -1;
        private Touched last;
        /** The last untouched base frame read (byte-wise reads hit one frame many times); reset when a frame is touched. */
        private long readNumber = -1;
        private long[] readWords;
        private long[] readDead;

        /** A frame being edited: its words, taint bits (allocated on first taint), dead bytes and domain-wrote bit. */
        private static final class Touched {
            final long[] words;
            long[] taint;
            long[] dead;
            boolean domainWrote;

            Touched(long[] words, long[] taint, long[] dead, boolean domainWrote) {
                this.words = words;
                this.taint = taint;
                this.dead = dead;
                this.domainWrote = domainWrote;
            }

            /** Gives bytes [from, from + n) of the frame a value again. */
            void revive(int from, int n) {
                if (dead == null) {
                    return;
                }
                for (int b = from; b < from + n; b++) {
                    dead[b >>> 6] &= ~(1L << b);
                }
            }

            boolean tainted(int word) {
                return taint != null && (taint[word >>> 6] & (1L << word)) != 0;
            }

            void setTaint(int word, boolean on) {
                if (on) {
                    if (taint == null) {
                        taint = new long[TAINT_LONGS];
                    }
                    taint[word >>> 6] |= 1L << word;
                } else if (taint != null) {
                    taint[word >>> 6] &= ~(1L << word);
                }
            }

            Frame freeze() {
                return new Frame(words.clone(), nonZeroCopy(taint), nonZeroCopy(dead), domainWrote);
            }

            private static long[] nonZeroCopy(long[] bits) {
                if (bits != null) {
                    for (long x : bits) {
                        if (x != 0) {
                            return bits.clone();
                        }
                    }
                }
                return null;
            }
        }

        private Editor(PhysMem base) {
            this.base = base;
        }

        @Override
        public int maxPhysAddrBits() {
            return base.maxPhysAddrBits;
        }

        @Override
        public long read(long hpa, int size) {
            base.checkAddress(hpa, size);
            int offsetInWord = (int) (hpa & 7);
            if (offsetInWord + size <= 8) {
                // One word of one frame: one lookup for its words and dead bytes.
                long n = hpa >>> FRAME_SHIFT;
                long[] words;
                long[] dead;
                if (n == lastNumber) {
                    words = last.words;
                    dead = last.dead;
                } else {
                    int i = touchedIndex(n);
                    if (i >= 0) {
                        words = touchedFrames[i].words;
                        dead = touchedFrames[i].dead;
                    } else {
                        viewWords(n);
                        words = readWords;
                        dead = readDead;
                    }
                }
                if (words == null) {
                    return 0;
                }
                int o = (int) (hpa & (FRAME_SIZE - 1));
                if (dead != null && ((dead[o >>> 6] >>> (o & 63)) & ((1L << size) - 1)) != 0) {
                    throw new DeadRead(firstDead(this::viewDead, hpa, size));
                }
                long word = words[o >>> 3] >>> (offsetInWord * 8);
                return size == 8 ? word : word & ((1L << (size * 8)) - 1);
            }
            if (touched > 0 || base.hasDead) {
                checkLive(this::viewDead, hpa, size);
            }
            return readBytes(this::viewWords, hpa, size);
        }

        /** Whether any byte of {@code [hpa, hpa + size)} holds no value in this view (reading it would throw). */
        public boolean isDead(long hpa, int size) {
            return firstDead(this::viewDead, hpa, size) >= 0;
        }

        /**
         * Marks bytes {@code [hpa, hpa + length)} (within one frame) as holding no value: their
         * contents become 0 and a later read of any of them throws {@link DeadRead} until a write
         * gives them a value again. A word all of whose bytes are dead loses its taint bit, and a
         * frame all of whose bytes are dead its "domain wrote since" bit: nothing the domain wrote
         * is left in it. Forgetting a frame that is not allocated allocates it, dead.
         */
        public Editor forget(long hpa, int length) {
            long frame = hpa >>> FRAME_SHIFT;
            if (length <= 0) {
                return this;
            }
            if (((hpa + length - 1) >>> FRAME_SHIFT) != frame) {
                throw new IllegalArgumentException(String.format("forget 0x%x+%d crosses a frame", hpa, length));
            }
            base.checkAddress(hpa, 1);
            if (base.discards(frame)) {
                return this;
            }
            Touched f = own(frame);
            if (f.dead == null) {
                f.dead = new long[DEAD_LONGS];
            }
            int from = (int) (hpa & (FRAME_SIZE - 1));
            int to = from + length;
            int b = from;
            for (; b < to && (b & 63) != 0; b++) {
                forgetByte(f, b);
            }
            // Whole 64-byte blocks: one dead long, eight words, eight taint bits at a time.
            for (; b + 64 <= to; b += 64) {
                f.dead[b >>> 6] = -1L;
                int w = b >>> 3;
                Arrays.fill(f.words, w, w + 8, 0L);
                if (f.taint != null) {
                    f.taint[w >>> 6] &= ~(0xFFL << (w & 63));
                }
            }
            for (; b < to; b++) {
                forgetByte(f, b);
            }
            if (allDead(f.dead)) {
                // Nothing written to the frame is left: not the record that the domain wrote it either.
                f.taint = null;
                f.domainWrote = false;
            }
            return this;
        }

        private static boolean allDead(long[] dead) {
            for (long d : dead) {
                if (d != -1L) {
                    return false;
                }
            }
            return true;
        }

        private static void forgetByte(Touched f, int b) {
            f.dead[b >>> 6] |= 1L << b;
            int w = b >>> 3;
            f.words[w] &= ~(0xFFL << (8 * (b & 7)));
            if ((b & 7) == 7 && ((f.dead[b >>> 6] >>> (b & 56)) & 0xFF) == 0xFF) {
                f.setTaint(w, false);
            }
        }

        @Override
        public boolean isTainted(long hpa, int size) {
            base.checkAddress(hpa, size);
            return anyTainted(this::viewTaint, hpa, size);
        }

        /** Writes {@code size} bytes of clean {@code value} little-endian at {@code hpa}. */
        public Editor write(long hpa, int size, long value) {
            return write(hpa, size, value, false);
        }

        /**
         * Writes {@code size} bytes at {@code hpa}: a ⊤ value ({@code tainted}) taints and zeroes every
         * word it touches; a clean value clears the taint of the words it covers whole and leaves a
         * tainted word it covers in part tainted.
         */
        public Editor write(long hpa, int size, long value, boolean tainted) {
            base.checkAddress(hpa, size);
            int offsetInWord = (int) (hpa & 7);
            if (offsetInWord + size <= 8) {
                if (base.discards(hpa >>> FRAME_SHIFT)) {
                    return this;
                }
                Touched f = own(hpa >>> FRAME_SHIFT);
                int idx = (int) ((hpa >>> 3) & (WORDS - 1));
                f.revive((int) (hpa & (FRAME_SIZE - 1)), size);
                if (tainted) {
                    f.words[idx] = 0;
                    f.setTaint(idx, true);
                } else if (size == 8) {
                    f.words[idx] = value;
                    f.setTaint(idx, false);
                } else if (!f.tainted(idx)) {
                    long mask = (1L << (size * 8)) - 1;
                    f.words[idx] = (f.words[idx] & ~(mask << (offsetInWord * 8))) | ((value & mask) << (offsetInWord * 8));
                }
                return this;
            }
            for (int b = 0; b < size; b++) {
                write(hpa + b, 1, value >>> (8 * b), tainted);
            }
            return this;
        }

        /**
         * The compromised driver writes frame {@code frameNumber} (DESIGN.md §3): every word becomes
         * ⊤ and the frame's "domain wrote since" bit is set.
         */
        public Editor domainWrite(long frameNumber) {
            base.checkAddress(frameNumber << FRAME_SHIFT, 8);
            if (base.discards(frameNumber)) {
                return this;
            }
            Touched f = own(frameNumber);
            java.util.Arrays.fill(f.words, 0);
            if (f.taint == null) {
                f.taint = new long[TAINT_LONGS];
            }
            java.util.Arrays.fill(f.taint, -1L);
            f.dead = null;
            f.domainWrote = true;
            return this;
        }

        /** Allocates frame {@code frameNumber} (zero-filled if new); contents are kept if present. */
        public Editor allocateFrame(long frameNumber) {
            base.checkAddress(frameNumber << FRAME_SHIFT, 8);
            if (!base.discards(frameNumber)) {
                own(frameNumber);
            }
            return this;
        }

        /** Whether the frame is allocated in the base or by this edit. */
        public boolean isAllocated(long frameNumber) {
            return viewWords(frameNumber) != null;
        }

        /** Applies writes in order. */
        public Editor apply(List<MemWrite> writes) {
            for (MemWrite w : writes) {
                write(w.hpa(), w.size(), w.value(), w.tainted());
            }
            return this;
        }

        /** Whether anything was written or allocated. */
        public boolean isDirty() {
            return touched > 0;
        }

        /** The new memory; untouched frames are shared with the base. The editor stays usable. */
        public PhysMem freeze() {
            if (touched == 0) {
                return base;
            }
            long[] bn = base.numbers;
            boolean sameNumbers = true;
            for (int t = 0; t < touched && sameNumbers; t++) {
                sameNumbers = base.index.of(touchedNumbers[t]) >= 0;
            }
            if (sameNumbers) {
                Frame[] fs = base.f().clone();
                int[] changed = new int[touched];
                for (int t = 0; t < touched; t++) {
                    changed[t] = base.index.of(touchedNumbers[t]);
                    fs[changed[t]] = touchedFrames[t].freeze();
                }
                PhysMem out = new PhysMem(base.maxPhysAddrBits, bn, fs, base.index, base.discard);
                // Link to the nearest hashed ancestor (the base, or the one the base links to), so
                // a link never keeps more than that one memory alive; past 64 changed frames (a
                // long run nobody hashes) the hash is computed whole.
                PhysMem anchor = base.hashBase;
                int[] prior = base.hashChanged;
                if (base.sumCache != null || base.mirrorCache != null) {
                    anchor = base;
                    prior = new int[0];
                }
                if (anchor != null && prior != null && anchor.numbers == bn && prior.length + changed.length <= 64) {
                    int[] all = Arrays.copyOf(prior, prior.length + changed.length);
                    System.arraycopy(changed, 0, all, prior.length, changed.length);
                    out.hashChanged = all;
                    out.hashBase = anchor;
                }
                return out;
            }
            long[] newNumbers = new long[bn.length + touched];
            Frame[] newFrames = new Frame[bn.length + touched];
            int[] order = sortedTouchOrder();
            int i = 0;
            int j = 0;
            int n = 0;
            while (i < bn.length || j < touched) {
                long tn = j < touched ? touchedNumbers[order[j]] : Long.MAX_VALUE;
                if (i < bn.length && bn[i] < tn) {
                    newNumbers[n] = bn[i];
                    newFrames[n++] = base.f()[i++];
                } else {
                    if (i < bn.length && bn[i] == tn) {
                        i++;
                    }
                    newNumbers[n] = tn;
                    // The frozen frame gets its own copy so later edits through this editor
                    // cannot change the immutable result.
                    newFrames[n++] = touchedFrames[order[j]].freeze();
                    j++;
                }
            }
            long[] numbers = Arrays.copyOf(newNumbers, n);
            return new PhysMem(base.maxPhysAddrBits, numbers, Arrays.copyOf(newFrames, n), new FrameIndex(numbers), base.discard);
        }

        /** Indices of the touched frames in ascending frame-number order (insertion sort: few). */
        private int[] sortedTouchOrder() {
            int[] order = new int[touched];
            for (int i = 0; i < touched; i++) {
                int k = i;
                while (k > 0 && touchedNumbers[order[k - 1]] > touchedNumbers[i]) {
                    order[k] = order[k - 1];
                    k--;
                }
                order[k] = i;
            }
            return order;
        }

        /** Whether this editor has written or allocated frame {@code frameNumber}. */
        public boolean touches(long frameNumber) {
            return touched > 0 && touchedIndex(frameNumber) >= 0;
        }

        private int touchedIndex(long frameNumber) {
            if (index != null) {
                Integer i = index.get(frameNumber);
                return i == null ? -1 : i;
            }
            for (int i = 0; i < touched; i++) {
                if (touchedNumbers[i] == frameNumber) {
                    return i;
                }
            }
            return -1;
        }

        private long[] viewWords(long frameNumber) {
            if (frameNumber == lastNumber) {
                return last.words;
            }
            if (frameNumber == readNumber) {
                return readWords;
            }
            int i = touchedIndex(frameNumber);
            if (i >= 0) {
                return touchedFrames[i].words;
            }
            readNumber = frameNumber;
            int k = base.index.of(frameNumber);
            readWords = k >= 0 ? base.f()[k].words : null;
            readDead = k >= 0 ? base.f()[k].dead : null;
            return readWords;
        }

        private long[] viewDead(long frameNumber) {
            if (frameNumber == lastNumber) {
                return last.dead;
            }
            int i = touchedIndex(frameNumber);
            if (i >= 0) {
                return touchedFrames[i].dead;
            }
            int k = base.index.of(frameNumber);
            return k >= 0 ? base.f()[k].dead : null;
        }

        private long[] viewTaint(long frameNumber) {
            if (frameNumber == lastNumber) {
                return last.taint;
            }
            int i = touchedIndex(frameNumber);
            if (i >= 0) {
                return touchedFrames[i].taint;
            }
            int k = base.index.of(frameNumber);
            return k >= 0 ? base.f()[k].taint : null;
        }

        private Touched own(long frameNumber) {
            if (frameNumber == lastNumber) {
                return last;
            }
            int i = touchedIndex(frameNumber);
            if (i >= 0) {
                lastNumber = frameNumber;
                last = touchedFrames[i];
                return last;
            }
            int k = base.index.of(frameNumber);
            Frame old = k >= 0 ? base.f()[k] : null;
            Touched copy = old == null ? new Touched(new long[WORDS], null, null, false)
                    : new Touched(old.words.clone(), old.taint == null ? null : old.taint.clone(),
                    old.dead == null ? null : old.dead.clone(), old.domainWrote);
            if (touched == touchedNumbers.length) {
                touchedNumbers = Arrays.copyOf(touchedNumbers, touched * 2);
                touchedFrames = Arrays.copyOf(touchedFrames, touched * 2);
            }
            touchedNumbers[touched] = frameNumber;
            touchedFrames[touched] = copy;
            if (index == null && touched >= LINEAR_LIMIT) {
                // Builders touch hundreds of frames; steps touch a few and stay on the linear scan.
                index = new HashMap<>();
                for (int m = 0; m < touched; m++) {
                    index.put(touchedNumbers[m], m);
                }
            }
            if (index != null) {
                index.put(frameNumber, touched);
            }
            touched++;
            lastNumber = frameNumber;
            last = copy;
            readNumber = -1;
            readWords = null;
            readDead = null;
            return copy;
        }
    }

    /**
     * Frame number to position in a sorted numbers array, by open addressing (a step reads
     * memory many times; a binary search over hundreds of frames per read was the hot spot).
     */
    private static final class FrameIndex {
        /** The {@link Interner} epoch in which this is the canonical index of its frame set (0: none). */
        int internEpoch;
        private final long[] keys;
        private final int[] values;
        private final int mask;

        FrameIndex(long[] numbers) {
            int cap = Integer.highestOneBit(Math.max(4, numbers.length * 3)) << 1;
            keys = new long[cap];
            values = new int[cap];
            mask = cap - 1;
            Arrays.fill(keys, -1L);
            for (int i = 0; i < numbers.length; i++) {
                int h = slot(numbers[i]);
                while (keys[h] != -1L) {
                    h = (h + 1) & mask;
                }
                keys[h] = numbers[i];
                values[h] = i;
            }
        }

        private int slot(long n) {
            long x = n * 0x9E3779B97F4A7C15L;
            return (int) (x >>> 40) & mask;
        }

        /** The position of {@code frameNumber}, or a negative number when it is not allocated. */
        int of(long frameNumber) {
            int h = slot(frameNumber);
            while (true) {
                long k = keys[h];
                if (k == frameNumber) {
                    return values[h];
                }
                if (k == -1L) {
                    return -1;
                }
                h = (h + 1) & mask;
            }
        }
    }
}
