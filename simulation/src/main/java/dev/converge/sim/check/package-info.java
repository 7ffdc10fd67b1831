/**
 * The oracle: what a finished simulation must satisfy.
 *
 * <p>Design note. The backbone is a lattice check that needs no model of any type: every state a
 * replica holds is the join of deltas produced by local writes, and the store records each
 * write's delta as it is committed, so the final state of a document must be exactly the join of
 * the acknowledged deltas and of those unknown-outcome deltas it contains. That one equality says
 * both "no acknowledged effect lost" and "nothing invented". On top of it the per-type checks say
 * the same in a user's terms (counter sums, present and removed set elements, the greatest LWW
 * timestamp, the maximal MV writes, removed map fields and flags staying removed), so a failure
 * reads as what went wrong rather than as two unequal lattice values.
 */
package dev.converge.sim.check;
