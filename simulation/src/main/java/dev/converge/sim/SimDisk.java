package dev.converge.sim;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The disk under one {@link SimStore}: an append-only write-ahead log of bytes, split into what
 * was fsynced (on the platter) and what was only written (in the operating system's page cache).
 *
 * <p>A process crash loses neither: the page cache belongs to the kernel. A power loss keeps the
 * fsynced bytes and an arbitrary prefix of the cached ones, possibly cut inside a record and
 * followed by stale garbage, as a torn sector write leaves it; recovery must detect that record
 * and never read it as data. Wiping the disk is making a new one.
 */
public final class SimDisk {

    private byte[] bytes = new byte[4096];
    private int length;
    private int durable;
    private long appends;
    private long fsyncs;

    /** Appends {@code record} to the page cache. */
    public void append(byte[] record) {
        if (length + record.length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + record.length));
        }
        System.arraycopy(record, 0, bytes, length, record.length);
        length += record.length;
        appends++;
    }

    /** Makes everything written so far durable. */
    public void fsync() {
        fsyncTo(length);
    }

    /** Makes the first {@code position} bytes durable (an fsync that started when the log was that long). */
    public void fsyncTo(int position) {
        if (position > durable) {
            durable = Math.min(position, length);
            fsyncs++;
        }
    }

    /** Bytes written so far. */
    public int length() {
        return length;
    }

    /** Bytes that survive a power loss for certain. */
    public int durableLength() {
        return durable;
    }

    /** A copy of every byte a restarting process would read. */
    public byte[] contents() {
        return Arrays.copyOf(bytes, length);
    }

    /**
     * Power fails: the fsynced bytes stay; of the rest, a prefix of random length stays, and with
     * some chance the cut is followed by a few bytes of garbage (a torn write). What stays is on
     * the platter: a later power loss cannot take it. Returns the number of written bytes lost.
     */
    public int powerLoss(RandomGenerator random) {
        int cached = length - durable;
        if (cached == 0) {
            return 0;
        }
        int kept = random.nextInt(cached + 1);
        int newLength = durable + kept;
        int lost = length - newLength;
        if (lost > 0 && random.nextInt(3) == 0) {
            // The sector being written held stale data: a few garbage bytes after the cut.
            int garbage = Math.min(lost, 1 + random.nextInt(16));
            for (int i = 0; i < garbage; i++) {
                bytes[newLength + i] = (byte) random.nextInt(256);
            }
            newLength += garbage;
            lost -= garbage;
        }
        length = newLength;
        durable = length;
        return lost;
    }

    /** Cuts the log at {@code position}: recovery drops an invalid tail so later appends follow valid records. */
    public void truncate(int position) {
        if (position < 0 || position > length) {
            throw new IllegalArgumentException("cannot truncate a log of " + length + " bytes at " + position);
        }
        length = position;
        durable = Math.min(durable, position);
    }

    public long appends() {
        return appends;
    }

    public long fsyncs() {
        return fsyncs;
    }
}
