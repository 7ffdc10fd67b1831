package dev.converge.node;

/**
 * Redis glob patterns over bytes, as {@code SCAN ... MATCH} uses them: {@code *}, {@code ?},
 * {@code [abc]}, {@code [^a-z]}, and {@code \} to escape. Iterative with one backtrack point per
 * star, so a hostile pattern costs O(pattern × text), never exponential time.
 */
final class Glob {

    private Glob() {
    }

    static boolean matches(byte[] pattern, byte[] text) {
        int p = 0;
        int t = 0;
        int starP = -1;
        int starT = -1;
        while (t < text.length) {
            if (p < pattern.length && pattern[p] == '*') {
                while (p < pattern.length && pattern[p] == '*') {
                    p++;
                }
                if (p == pattern.length) {
                    return true;
                }
                starP = p;
                starT = t;
                continue;
            }
            int next = p < pattern.length ? single(pattern, p, text[t]) : -1;
            if (next >= 0) {
                p = next;
                t++;
            } else if (starP >= 0) {
                p = starP;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == '*') {
            p++;
        }
        return p == pattern.length;
    }

    /** If the pattern element at {@code p} matches {@code c}, the index after it; else -1. */
    private static int single(byte[] pattern, int p, byte c) {
        byte x = pattern[p];
        if (x == '?') {
            return p + 1;
        }
        if (x == '\\' && p + 1 < pattern.length) {
            return pattern[p + 1] == c ? p + 2 : -1;
        }
        if (x == '[') {
            int i = p + 1;
            boolean negate = i < pattern.length && pattern[i] == '^';
            if (negate) {
                i++;
            }
            boolean match = false;
            boolean first = true;
            while (i < pattern.length && (pattern[i] != ']' || first)) {
                first = false;
                if (pattern[i] == '\\' && i + 1 < pattern.length) {
                    match |= pattern[i + 1] == c;
                    i += 2;
                } else if (i + 2 < pattern.length && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
                    int lo = Math.min(pattern[i] & 0xff, pattern[i + 2] & 0xff);
                    int hi = Math.max(pattern[i] & 0xff, pattern[i + 2] & 0xff);
                    match |= (c & 0xff) >= lo && (c & 0xff) <= hi;
                    i += 3;
                } else {
                    match |= pattern[i] == c;
                    i++;
                }
            }
            if (i >= pattern.length) {
                // No closing bracket: Redis treats the rest as the class; so do we.
                return match != negate ? pattern.length : -1;
            }
            return match != negate ? i + 1 : -1;
        }
        return x == c ? p + 1 : -1;
    }
}
