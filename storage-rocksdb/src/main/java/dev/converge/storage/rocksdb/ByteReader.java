package dev.converge.storage.rocksdb;

/**
 * Reads the small binary structures of the layout (varints, fixed-width numbers, slices) from
 * bytes that may be corrupt: every read checks its bounds and reports failure as a negative
 * value or null, never an exception, so callers turn it into one clear error.
 */
final class ByteReader {

    private final byte[] bytes;
    private final int limit;
    private int position;

    ByteReader(byte[] bytes, int offset, int limit) {
        this.bytes = bytes;
        this.position = offset;
        this.limit = limit;
    }

    int position() {
        return position;
    }

    int remaining() {
        return limit - position;
    }

    /** A non-negative varint of at most 5 bytes, or -1 when truncated, too long or negative. */
    int varint() {
        int v = 0;
        for (int i = 0; i < 5; i++) {
            if (position >= limit) {
                return -1;
            }
            int x = bytes[position++];
            v |= (x & 0x7F) << (7 * i);
            if ((x & 0x80) == 0) {
                return v < 0 ? -1 : v;
            }
        }
        return -1;
    }

    /** Whether 8 more bytes are there; then {@link #fixedLong()} reads them. */
    boolean hasLong() {
        return remaining() >= 8;
    }

    long fixedLong() {
        long v = Layout.getLong(bytes, position);
        position += 8;
        return v;
    }

    /** Skips {@code n} bytes and returns where they started, or -1 when fewer remain. */
    int skip(int n) {
        if (n < 0 || n > remaining()) {
            return -1;
        }
        int start = position;
        position += n;
        return start;
    }
}
