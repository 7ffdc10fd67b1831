/**
 * The runnable node: the {@code converge} command line and, later, the Redis and HTTP front ends.
 *
 * <p>Design note. This package is the runtime shell around the engine; it alone may read the
 * system clock and start threads (forbidden-apis checks the engine packages, not this one).
 */
package dev.converge.node;
