package dev.converge.node;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The little JSON the node speaks, on Jackson: {@code /status} writes it, {@code converge status}
 * and the tests read it. Writing: {@link Writer}, a fluent front for Jackson's generator. Reading:
 * {@link #parse} to maps, lists, strings, longs, doubles, booleans and null; nesting is bounded,
 * because {@code converge status} parses whatever answers on the port it is pointed at.
 */
final class Json {

    static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build())
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Writes one JSON value through a Jackson generator; {@link #toString} closes it and returns the text. */
    static final class Writer {
        private final StringWriter out = new StringWriter();
        private final JsonGenerator gen;

        Writer() {
            try {
                gen = MAPPER.createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Writer beginObject() {
            return write(JsonGenerator::writeStartObject);
        }

        Writer endObject() {
            return write(JsonGenerator::writeEndObject);
        }

        Writer beginArray() {
            return write(JsonGenerator::writeStartArray);
        }

        Writer endArray() {
            return write(JsonGenerator::writeEndArray);
        }

        Writer name(String name) {
            return write(g -> g.writeFieldName(name));
        }

        Writer value(String s) {
            return write(g -> g.writeString(s));
        }

        Writer value(long n) {
            return write(g -> g.writeNumber(n));
        }

        Writer field(String name, String value) {
            return write(g -> g.writeStringField(name, value));
        }

        Writer field(String name, long value) {
            return write(g -> g.writeNumberField(name, value));
        }

        Writer field(String name, boolean value) {
            return write(g -> g.writeBooleanField(name, value));
        }

        private Writer write(Step step) {
            try {
                step.on(gen);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a StringWriter does not fail; a misplaced call does (JsonGenerationException)
            }
            return this;
        }

        @Override
        public String toString() {
            try {
                gen.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }

        @FunctionalInterface
        private interface Step {
            void on(JsonGenerator g) throws IOException;
        }
    }

    /** Parses one JSON value; throws {@link IllegalArgumentException} saying where the text is not JSON. */
    static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            // The text may come from anything answering on a port: no control characters reach a terminal.
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage().replaceAll("\\p{Cntrl}", "?") + " at " + location(e), e);
        }
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "an unknown offset" : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
