package dev.converge.node;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a node's configuration file: Java properties ({@code .properties}) or a flat YAML mapping
 * ({@code .yaml}/{@code .yml}). Keys are the long option names without the dashes
 * ({@code data-dir}, {@code redis}, ...); {@code seeds} (or {@code seed}) holds a list. Values
 * are returned as text, validated by {@link NodeSettings} with the same messages as the options.
 *
 * <p>The YAML reader accepts the subset a flat configuration needs and refuses the rest with the
 * line number: {@code key: value} lines, {@code #} comments, single- or double-quoted scalars, and
 * lists either inline ({@code seeds: [a:1, b:2]}) or as indented {@code - item} lines. Nesting,
 * anchors and multi-line scalars are not configuration a node has.
 */
final class ConfigFile {

    /** The largest configuration file read: a typo pointing at a huge file must not fill memory. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private ConfigFile() {
    }

    /** Values by key, in file order; a list-valued key has several entries. */
    static Map<String, List<String>> read(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ConfigException("config", file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return yaml(text, file.toString());
        }
        if (name.endsWith(".properties") || name.endsWith(".conf")) {
            return properties(text, file.toString());
        }
        throw new ConfigException("config", file + ": expected a .properties, .yaml or .yml file");
    }

    static Map<String, List<String>> properties(String text, String source) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("config", source + ": " + e.getMessage());
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            if (isList(key)) {
                List<String> items = new ArrayList<>();
                for (String item : value.split(",")) {
                    if (!item.isBlank()) {
                        items.add(item.trim());
                    }
                }
                values.put(key, items);
            } else {
                values.put(key, List.of(value));
            }
        }
        return values;
    }

    static Map<String, List<String>> yaml(String text, String source) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        String listKey = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = source + " line " + (i + 1);
            String line = stripComment(lines[i]);
            if (line.isBlank() || line.strip().equals("---")) {
                continue;
            }
            boolean indented = Character.isWhitespace(line.charAt(0));
            String content = line.strip();
            if (content.startsWith("- ") || content.equals("-")) {
                if (listKey == null) {
                    throw new ConfigException("config", where + ": a list item outside a list");
                }
                values.get(listKey).add(scalar(content.substring(1).strip(), where));
                continue;
            }
            if (indented) {
                throw new ConfigException("config", where + ": nested values are not supported; use flat 'key: value' lines");
            }
            int colon = content.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException("config", where + ": expected 'key: value', got '" + content + "'");
            }
            String key = content.substring(0, colon).strip();
            String value = content.substring(colon + 1).strip();
            if (values.containsKey(key)) {
                throw new ConfigException(key, where + ": '" + key + "' is given twice");
            }
            listKey = null;
            if (value.isEmpty()) {
                // A list follows on the next lines (or the value is empty).
                values.put(key, new ArrayList<>());
                listKey = key;
            } else if (value.startsWith("[")) {
                if (!value.endsWith("]")) {
                    throw new ConfigException(key, where + ": an inline list must end with ']' on the same line");
                }
                List<String> items = new ArrayList<>();
                for (String item : value.substring(1, value.length() - 1).split(",")) {
                    if (!item.isBlank()) {
                        items.add(scalar(item.strip(), where));
                    }
                }
                values.put(key, items);
            } else if (value.startsWith("{") || value.startsWith("|") || value.startsWith(">") || value.startsWith("&")
                    || value.startsWith("*") || value.startsWith("!")) {
                throw new ConfigException(key, where + ": only plain scalars and lists are supported");
            } else {
                values.put(key, new ArrayList<>(List.of(scalar(value, where))));
            }
        }
        return values;
    }

    private static boolean isList(String key) {
        return key.equals("seeds") || key.equals("seed");
    }

    /** The line without a {@code #} comment (one that starts the line or follows a space, outside quotes). */
    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String scalar(String value, String where) {
        if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')) {
            char q = value.charAt(0);
            if (value.charAt(value.length() - 1) != q) {
                throw new ConfigException("config", where + ": unterminated quoted value " + value);
            }
            String inner = value.substring(1, value.length() - 1);
            return q == '"' ? inner.replace("\\\"", "\"").replace("\\\\", "\\") : inner.replace("''", "'");
        }
        return value;
    }
}
