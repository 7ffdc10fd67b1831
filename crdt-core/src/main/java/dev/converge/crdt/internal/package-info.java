/** Not API: hooks between crdt-core's own packages. May change without notice. */
package dev.converge.crdt.internal;
