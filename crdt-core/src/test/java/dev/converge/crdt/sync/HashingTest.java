package dev.converge.crdt.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashingTest {

    private static long xxh64(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return Hashing.xxh64(b, 0, b.length, 0);
    }

    /** Published XXH64 (seed 0) values: every replica must compute exactly these. */
    @Test
    void matchesTheReferenceXxh64() {
        assertThat(xxh64("")).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(xxh64("a")).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(xxh64("abc")).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(xxh64("hello")).isEqualTo(0x26C7827D889F6DA3L);
        assertThat(xxh64("message digest")).isEqualTo(0x066ED728FCEEB3BEL);
        assertThat(xxh64("abcdefghijklmnopqrstuvwxyz")).isEqualTo(0xCFE1F278FA89835CL);
        assertThat(xxh64("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")).isEqualTo(0xAAA46907D3047814L);
        assertThat(xxh64("1234567890".repeat(8))).isEqualTo(0xE04A477F19EE145DL);
    }

    @Test
    void hashesRespectOffsetAndLength() {
        byte[] padded = "xxabcyy".getBytes(StandardCharsets.US_ASCII);
        assertThat(Hashing.xxh64(padded, 2, 3, 0)).isEqualTo(xxh64("abc"));
    }

    @Test
    void documentHashDependsOnKeyAndState() {
        byte[] state = {1, 2, 3};
        assertThat(Hashing.documentHash(Bytes.of("k1"), state)).isNotEqualTo(Hashing.documentHash(Bytes.of("k2"), state));
        assertThat(Hashing.documentHash(Bytes.of("k1"), state)).isNotEqualTo(Hashing.documentHash(Bytes.of("k1"), new byte[] {1, 2, 4}));
        assertThat(Hashing.keyHash(Bytes.of("k1"))).isEqualTo(xxh64("k1"));
    }

    @Test
    void hashRangesSplitAndContain() {
        KeyHashRange all = KeyHashRange.ALL;
        KeyHashRange[] halves = all.split();
        assertThat(halves[0]).isEqualTo(new KeyHashRange(0, 1));
        assertThat(halves[1]).isEqualTo(new KeyHashRange(Long.MIN_VALUE, 1));
        assertThat(halves[0].contains(0x7FFF_FFFF_FFFF_FFFFL)).isTrue();
        assertThat(halves[1].contains(-1L)).isTrue();
        assertThat(halves[1].contains(5)).isFalse();
        KeyHashRange[] quarters = halves[1].split();
        assertThat(quarters[1]).isEqualTo(new KeyHashRange(0xC000_0000_0000_0000L, 2));
        assertThat(quarters[1].contains(0xC123_0000_0000_0000L)).isTrue();
        assertThat(quarters[0].contains(0xC123_0000_0000_0000L)).isFalse();
    }

    @Test
    void aFullWidthRangeHoldsExactlyOneHash() {
        KeyHashRange one = new KeyHashRange(0x1234_5678_9ABC_DEF0L, 64);
        assertThat(one.contains(0x1234_5678_9ABC_DEF0L)).isTrue();
        assertThat(one.contains(0x1234_5678_9ABC_DEF1L)).isFalse();
        assertThat(new KeyHashRange(0, 64).contains(0)).isTrue();
        assertThat(new KeyHashRange(0, 64).contains(-1)).isFalse();
        assertThat(new KeyHashRange(0, 63).split()[1].contains(1)).isTrue();
        assertThat(KeyHashRange.ALL.contains(-1)).isTrue();
    }
}
