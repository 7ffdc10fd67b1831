package dev.converge.bench.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results file's JSON, on Jackson: objects (kept in order), arrays, strings, numbers,
 * booleans and null. Numbers read back as {@code Double}; written, a whole number stays whole and
 * any other is rounded to 7 significant digits (benchmark figures carry no more, and the file
 * stays readable in a diff).
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN).build();
    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(
                    Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                            .withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private Json() {
    }

    /** Parses a document: objects become {@code Map<String, Object>}, arrays {@code List<Object>}, numbers {@code Double}. */
    public static Object parse(String text) {
        try {
            return doubles(MAPPER.readValue(text, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes a value built of maps, lists, strings, numbers, booleans and null, indented by two spaces. */
    public static String write(Object value) {
        try {
            return PRETTY.writeValueAsString(rounded(value)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON value: " + e.getOriginalMessage(), e);
        }
    }

    private static Object doubles(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, doubles(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(doubles(v)));
            return out;
        }
        return value;
    }

    private static Object rounded(Object value) {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                return null;
            }
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : new BigDecimal(d).round(new MathContext(7)).stripTrailingZeros();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), rounded(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(rounded(v)));
            return out;
        }
        if (value == null || value instanceof String || value instanceof Boolean) {
            return value;
        }
        throw new IllegalArgumentException("not a JSON value: " + value.getClass());
    }
}
