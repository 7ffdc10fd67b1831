package dev.converge.crdt.sync;

/** The digest of the documents whose key hashes fall in {@code range}: a hash of their states and their number. */
public record RangeDigest(KeyHashRange range, long hash, long documents) {

    public RangeDigest {
        if (range == null) {
            throw new IllegalArgumentException("a digest needs a range");
        }
        if (documents < 0) {
            throw new IllegalArgumentException("negative document count " + documents);
        }
    }
}
