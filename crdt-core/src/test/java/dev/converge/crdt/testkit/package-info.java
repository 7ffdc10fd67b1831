/**
 * The test kit published in crdt-core's test-jar: QuickTheories generators for every type
 * ({@link dev.converge.crdt.testkit.Generators}), the reference model of each type's
 * specification ({@link dev.converge.crdt.testkit.TypeSpec}, {@link dev.converge.crdt.testkit.Specs}),
 * and the abstract {@link dev.converge.crdt.testkit.LatticeLawsTest} every type's test extends.
 */
package dev.converge.crdt.testkit;
