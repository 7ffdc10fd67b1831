package dev.converge.node;

/** One command from a client: its arguments (the name first) and their total size, which it holds of the client budget. */
record RedisRequest(byte[][] args, long bytes) {
}
