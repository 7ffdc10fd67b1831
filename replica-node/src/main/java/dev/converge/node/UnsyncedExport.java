package dev.converge.node;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.replica.Removal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Writes a removed replica's unacknowledged writes to a JSON-lines file, so that emptying its data
 * directory to rejoin under a new id loses nothing silently. The file sits next to the data
 * directory (inside it only when the parent is not writable), since emptying the directory is
 * exactly what the operator does next. First line: the replica and the count; then one line per
 * write: log position, key (as UTF-8 text when it is, and always as hex), type and the change in
 * the canonical encoding, base64.
 */
final class UnsyncedExport {

    private UnsyncedExport() {
    }

    /** Where the export of {@code removal} goes for a replica kept in {@code dataDir}. */
    static Path fileFor(Path dataDir, Removal removal) {
        Path dir = dataDir.toAbsolutePath().normalize();
        String name = Optional.ofNullable(dir.getFileName()).map(Path::toString).orElse("converge") + ".unsynced-" + removal.replica()
                + ".jsonl";
        Path parent = dir.getParent();
        return parent != null && Files.isWritable(parent) ? parent.resolve(name) : dir.resolve(name);
    }

    /** Writes the export (atomically: a temporary file renamed into place) and returns its path. */
    static Path write(Path dataDir, Removal removal) {
        Path file = fileFor(dataDir, removal);
        List<String> lines = new ArrayList<>();
        lines.add(new Json.Writer().beginObject().field("replica", removal.replica().toString()).field("removed", true)
                .field("unsyncedWrites", removal.unsynced().size()).field("complete", removal.complete()).endObject().toString());
        for (Removal.UnsyncedWrite w : removal.unsynced()) {
            Json.Writer line = new Json.Writer().beginObject().field("seq", w.seq());
            text(w.key()).ifPresent(t -> line.field("key", t));
            line.field("keyHex", HexFormat.of().formatHex(w.key().toByteArray()))
                    .field("type", w.delta().type().name().toLowerCase(java.util.Locale.ROOT))
                    .field("delta", Base64.getEncoder().encodeToString(CrdtCodec.encode(w.delta())))
                    .endObject();
            lines.add(line.toString());
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try {
                Files.write(tmp, lines, StandardCharsets.UTF_8);
                // On disk before the operator's next step, emptying the data directory.
                try (FileChannel written = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    written.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp); // a failed write leaves no partial file behind
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the unsynced writes to " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> text(Bytes key) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(key.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
