package dev.converge.storage.rocksdb;

import java.util.zip.CRC32C;

/**
 * Every stored value is {@code crc32c(key ‖ payload)} (4 bytes, big-endian) followed by the
 * payload. RocksDB checksums its blocks, but not a value that was wrong when it was handed over
 * or bytes flipped in a file RocksDB does not re-verify; covering the key too catches a value
 * stored under the wrong key. A mismatch fails the one read, not the store.
 */
final class Values {

    static final int HEADER = 4;

    private Values() {
    }

    static byte[] seal(byte[] key, byte[] payload) {
        byte[] out = new byte[HEADER + payload.length];
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        Layout.putInt(out, 0, crc(key, out, HEADER, payload.length));
        return out;
    }

    /** Whether {@code value} is intact for {@code key}; its payload starts at {@link #HEADER}. */
    static boolean intact(byte[] key, byte[] value) {
        return value.length >= HEADER && Layout.getInt(value, 0) == crc(key, value, HEADER, value.length - HEADER);
    }

    private static int crc(byte[] key, byte[] b, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(key, 0, key.length);
        crc.update(b, offset, length);
        return (int) crc.getValue();
    }
}
