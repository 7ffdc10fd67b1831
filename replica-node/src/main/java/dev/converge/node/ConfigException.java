package dev.converge.node;

/** Invalid node configuration: names the option (or configuration key) at fault. Exit code 2. */
final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String option;

    ConfigException(String option, String message) {
        super(message);
        this.option = option;
    }

    /** The option at fault, without dashes ({@code redis}, {@code secret-file}). */
    String option() {
        return option;
    }
}
