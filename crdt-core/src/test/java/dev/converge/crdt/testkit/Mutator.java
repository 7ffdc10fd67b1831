package dev.converge.crdt.testkit;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutations of valid encodings, for the decoders' fuzz tests. Random bytes almost always fail on
 * the first byte; a valid encoding with a few bytes changed gets past the header into the parts of
 * a decoder that are rarely exercised. Each call stacks one to four operators: byte-level ones
 * (bit flips, interesting bytes, small arithmetic, truncation, deletion, duplication, insertion,
 * splicing with a second valid input, repetition of a range, a varint written over the bytes) and
 * the format-aware ones a test supplies (a length field made huge, say).
 */
public final class Mutator {

    /** A format-aware mutation; returns {@code null} when it finds nothing to act on in {@code input}. */
    @FunctionalInterface
    public interface Operator {
        byte[] apply(byte[] input, SplittableRandom random);
    }

    /**
     * Values that break length and count checks: the edges of 7-bit groups, of signed and
     * unsigned 32 and 64 bits.
     */
    private static final long[] INTERESTING = {0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x4000, 0xFFFF, 0x1_0000,
        (1 << 20), (1 << 22) + 1, Integer.MAX_VALUE, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE,
        Long.MIN_VALUE, -1L, -2L};

    private static final byte[] INTERESTING_BYTES = {0, 1, 0x7F, (byte) 0x80, (byte) 0xFF, (byte) 0xFE, 0x40, 0x20};

    private final int maxLength;
    private final List<Operator> structural;

    /**
     * @param maxLength mutated inputs are cut to this many bytes (repetition can grow them)
     * @param structural format-aware operators, chosen for a third of the mutations when given
     */
    public Mutator(int maxLength, Operator... structural) {
        this.maxLength = maxLength;
        this.structural = List.of(structural);
    }

    /** One to four stacked mutations of {@code input}; {@code donor} is another valid input, for splicing. */
    public byte[] mutate(byte[] input, byte[] donor, SplittableRandom random) {
        byte[] out = input;
        int rounds = random.nextInt(3) == 0 ? 1 + random.nextInt(4) : 1;
        for (int i = 0; i < rounds; i++) {
            byte[] next = null;
            if (!structural.isEmpty() && random.nextInt(3) == 0) {
                next = structural.get(random.nextInt(structural.size())).apply(out, random);
            }
            if (next == null) {
                next = generic(out, donor, random);
            }
            out = next.length > maxLength ? Arrays.copyOf(next, maxLength) : next;
        }
        return out;
    }

    /** {@code length} random bytes. */
    public static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** An interesting value, or one next to it. */
    public static long interesting(SplittableRandom random) {
        long v = INTERESTING[random.nextInt(INTERESTING.length)];
        return switch (random.nextInt(4)) {
            case 0 -> v - 1;
            case 1 -> v + 1;
            default -> v;
        };
    }

    /** The unsigned LEB128 (protobuf varint) encoding of {@code value}: one to ten bytes. */
    public static byte[] varint(long value) {
        byte[] out = new byte[10];
        int n = 0;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[n++] = (byte) v;
        return Arrays.copyOf(out, n);
    }

    /** A varint a strict reader refuses or a lax one misreads: non-minimal, or longer than ten bytes. */
    public static byte[] malformedVarint(long value, SplittableRandom random) {
        byte[] minimal = varint(value);
        int extra = 1 + random.nextInt(random.nextBoolean() ? 3 : 12);
        byte[] out = Arrays.copyOf(minimal, minimal.length + extra);
        for (int i = 0; i < out.length - 1; i++) {
            out[i] |= (byte) 0x80;
        }
        out[out.length - 1] = 0;
        return out;
    }

    /** {@code input} with {@code length} bytes at {@code at} replaced by {@code with}. */
    public static byte[] replace(byte[] input, int at, int length, byte[] with) {
        byte[] out = new byte[input.length - length + with.length];
        System.arraycopy(input, 0, out, 0, at);
        System.arraycopy(with, 0, out, at, with.length);
        System.arraycopy(input, at + length, out, at + with.length, input.length - at - length);
        return out;
    }

    private static byte[] generic(byte[] in, byte[] donor, SplittableRandom r) {
        int n = in.length;
        if (n == 0) {
            return randomBytes(r, 1 + r.nextInt(8));
        }
        switch (r.nextInt(11)) {
            case 0 -> {
                byte[] out = in.clone();
                out[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
                return out;
            }
            case 1 -> {
                byte[] out = in.clone();
                out[r.nextInt(n)] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
                return out;
            }
            case 2 -> {
                byte[] out = in.clone();
                int delta = 1 + r.nextInt(16);
                out[r.nextInt(n)] += (byte) (r.nextBoolean() ? delta : -delta);
                return out;
            }
            case 3 -> {
                return Arrays.copyOf(in, r.nextInt(n));
            }
            case 4 -> {
                int from = r.nextInt(n);
                int length = 1 + r.nextInt(Math.min(n - from, 32));
                return replace(in, from, length, new byte[0]);
            }
            case 5 -> {
                int from = r.nextInt(n);
                byte[] range = Arrays.copyOfRange(in, from, from + 1 + r.nextInt(Math.min(n - from, 64)));
                return replace(in, r.nextInt(n + 1), 0, range);
            }
            case 6 -> {
                return replace(in, r.nextInt(n + 1), 0, randomBytes(r, 1 + r.nextInt(8)));
            }
            case 7 -> {
                if (donor.length == 0) {
                    return Arrays.copyOf(in, r.nextInt(n));
                }
                int cut = r.nextInt(n + 1);
                int from = r.nextInt(donor.length);
                byte[] out = Arrays.copyOf(in, cut + donor.length - from);
                System.arraycopy(donor, from, out, cut, donor.length - from);
                return out;
            }
            case 8 -> {
                if (donor.length == 0) {
                    return in.clone();
                }
                int from = r.nextInt(donor.length);
                byte[] range = Arrays.copyOfRange(donor, from, from + 1 + r.nextInt(Math.min(donor.length - from, 64)));
                return replace(in, r.nextInt(n + 1), 0, range);
            }
            case 9 -> {
                int at = r.nextInt(n);
                int length = r.nextBoolean() ? 0 : Math.min(n - at, 1 + r.nextInt(10));
                return replace(in, at, length, varint(interesting(r)));
            }
            default -> {
                // Repetition: nested headers become deep nesting, one entry becomes a long list.
                int from = r.nextInt(n);
                int length = 1 + r.nextInt(Math.min(n - from, 16));
                int times = 2 + r.nextInt(r.nextBoolean() ? 8 : 200);
                byte[] range = new byte[length * times];
                for (int i = 0; i < times; i++) {
                    System.arraycopy(in, from, range, i * length, length);
                }
                return replace(in, from, length, range);
            }
        }
    }
}
