package dev.converge.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the node speaks: {@code /status} writes it, {@code converge status} and the
 * tests read it. Writing: {@link Writer}. Reading: {@link #parse} to maps, lists, strings,
 * longs, doubles, booleans and null; nesting is bounded.
 */
final class Json {

    private static final int MAX_DEPTH = 32;

    private Json() {
    }

    /** Appends JSON values with commas placed for the caller. */
    static final class Writer {
        private final StringBuilder out = new StringBuilder();
        private boolean needComma;

        Writer beginObject() {
            comma();
            out.append('{');
            needComma = false;
            return this;
        }

        Writer endObject() {
            out.append('}');
            needComma = true;
            return this;
        }

        Writer beginArray() {
            comma();
            out.append('[');
            needComma = false;
            return this;
        }

        Writer endArray() {
            out.append(']');
            needComma = true;
            return this;
        }

        Writer name(String name) {
            comma();
            string(name);
            out.append(':');
            needComma = false;
            return this;
        }

        Writer value(String s) {
            comma();
            if (s == null) {
                out.append("null");
            } else {
                string(s);
            }
            needComma = true;
            return this;
        }

        Writer value(long n) {
            comma();
            out.append(n);
            needComma = true;
            return this;
        }

        Writer value(double d) {
            comma();
            out.append(Double.isFinite(d) ? Double.toString(d) : "null");
            needComma = true;
            return this;
        }

        Writer value(boolean b) {
            comma();
            out.append(b);
            needComma = true;
            return this;
        }

        Writer field(String name, String value) {
            return name(name).value(value);
        }

        Writer field(String name, long value) {
            return name(name).value(value);
        }

        Writer field(String name, boolean value) {
            return name(name).value(value);
        }

        private void comma() {
            if (needComma) {
                out.append(',');
            }
        }

        private void string(String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }

    /** Parses one JSON value; throws {@link IllegalArgumentException} naming the offset of a syntax error. */
    static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{' -> {
                    pos++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    skipSpace();
                    if (peek('}')) {
                        pos++;
                        return m;
                    }
                    while (true) {
                        skipSpace();
                        String k = string();
                        skipSpace();
                        expect(':');
                        skipSpace();
                        m.put(k, value(depth + 1));
                        skipSpace();
                        if (peek(',')) {
                            pos++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[' -> {
                    pos++;
                    List<Object> l = new ArrayList<>();
                    skipSpace();
                    if (peek(']')) {
                        pos++;
                        return l;
                    }
                    while (true) {
                        skipSpace();
                        l.add(value(depth + 1));
                        skipSpace();
                        if (peek(',')) {
                            pos++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                case 't' -> {
                    literal("true");
                    return Boolean.TRUE;
                }
                case 'f' -> {
                    literal("false");
                    return Boolean.FALSE;
                }
                case 'n' -> {
                    literal("null");
                    return null;
                }
                default -> {
                    return number();
                }
            }
        }

        private Object number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            String n = s.substring(start, pos);
            if (n.isEmpty()) {
                throw error("unexpected character");
            }
            try {
                if (n.contains(".") || n.contains("e") || n.contains("E")) {
                    return Double.parseDouble(n);
                }
                return Long.parseLong(n);
            } catch (NumberFormatException e) {
                throw error("bad number " + n);
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (pos >= s.length()) {
                        throw error("unterminated escape");
                    }
                    char e = s.charAt(pos++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 'r' -> b.append('\r');
                        case 't' -> b.append('\t');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (pos + 4 > s.length()) {
                                throw error("short \\u escape");
                            }
                            try {
                                b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                            } catch (NumberFormatException ex) {
                                throw error("bad \\u escape");
                            }
                            pos += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        private boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON: " + what + " at offset " + pos);
        }
    }
}
