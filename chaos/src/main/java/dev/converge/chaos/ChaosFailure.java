package dev.converge.chaos;

/** The run itself failed (a node would not start, a tool is missing): exit code 3, not a checker verdict. */
final class ChaosFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ChaosFailure(String message) {
        super(message);
    }

    ChaosFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
