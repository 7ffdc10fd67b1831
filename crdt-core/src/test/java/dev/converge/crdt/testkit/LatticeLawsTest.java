package dev.converge.crdt.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.CodedOutputStream;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.Merge;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.internal.StateEncodingHook;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The laws every CRDT type must satisfy, checked on values from random histories (see
 * {@link Generators}). A type's test extends this class and names its {@link TypeSpec}.
 *
 * <p>Each property runs {@code QT_EXAMPLES} examples (1,000 in the build); QuickTheories shrinks
 * a failure to a minimal history and prints the seed, which {@code -DQT_SEED=} replays.
 */
public abstract class LatticeLawsTest<S extends Crdt<S>> {

    protected abstract TypeSpec<S> spec();

    private static byte[] bytes(Crdt<?> value) {
        return CrdtCodec.encode(value);
    }

    private void assertSame(S a, S b, String law) {
        assertThat(a).as(law).isEqualTo(b);
        assertThat(bytes(a)).as(law + ", encoded").isEqualTo(bytes(b));
    }

    @Test
    void everyReplicaMatchesTheSpecificationAfterEveryStep() {
        // History.run checks the model after each step and throws on a mismatch.
        qt().forAll(Generators.scripts()).checkAssert(script -> script.run(spec()));
    }

    @Test
    void joinIsCommutative() {
        qt().forAll(Generators.scripts(), integers().allPositive(), integers().allPositive()).checkAssert((script, i, j) -> {
            History<S> h = script.run(spec());
            S x = h.pick(i);
            S y = h.pick(j);
            assertSame(x.join(y), y.join(x), "x ⊔ y = y ⊔ x");
        });
    }

    @Test
    void joinIsAssociative() {
        qt().forAll(Generators.scripts(), integers().allPositive(), integers().allPositive(), integers().allPositive())
                .checkAssert((script, i, j, k) -> {
                    History<S> h = script.run(spec());
                    S x = h.pick(i);
                    S y = h.pick(j);
                    S z = h.pick(k);
                    assertSame(x.join(y).join(z), x.join(y.join(z)), "(x ⊔ y) ⊔ z = x ⊔ (y ⊔ z)");
                });
    }

    @Test
    void joinIsIdempotent() {
        qt().forAll(Generators.scripts(), integers().allPositive()).checkAssert((script, i) -> {
            S x = script.run(spec()).pick(i);
            assertSame(x.join(x), x, "x ⊔ x = x");
        });
    }

    /** Bottom is the identity; a delta-shaped value joined with it takes its complete form, as every state has. */
    @Test
    void bottomIsTheIdentity() {
        qt().forAll(Generators.scripts(), integers().allPositive()).checkAssert((script, i) -> {
            S x = script.run(spec()).pick(i);
            assertThat(spec().bottom().isBottom()).isTrue();
            assertSame(x.join(spec().bottom()), spec().asComplete(x), "x ⊔ ⊥ = x");
            assertSame(spec().bottom().join(x), spec().asComplete(x), "⊥ ⊔ x = x");
        });
    }

    @Test
    void mutatorsReturnTheirDeltaAndInflate() {
        qt().forAll(Generators.scripts()).checkAssert(script -> {
            for (History.MutationRecord<S> m : script.run(spec()).mutations()) {
                assertSame(m.before().join(m.delta()), m.after(), "x ⊔ δ = newState");
                assertThat(m.before().leq(m.after())).as("x ≤ newState").isTrue();
                assertThat(m.delta().leq(m.after())).as("δ ≤ newState").isTrue();
            }
        });
    }

    @Test
    void mergeReturnsTheEffectiveDelta() {
        qt().forAll(Generators.scripts(), integers().allPositive(), integers().allPositive()).checkAssert((script, i, j) -> {
            History<S> h = script.run(spec());
            S x = h.pick(i);
            S d = h.pick(j);
            Merge<S> m = x.merge(d);
            S e = m.effectiveDelta();
            assertSame(m.state(), x.join(d), "merge state = x ⊔ d");
            // In complete form: exact for states; a delta x may differ only in its partial flag.
            S bottom = spec().bottom();
            assertSame(x.join(e).join(bottom), x.join(d).join(bottom), "x ⊔ e = x ⊔ d");
            assertThat(e.isBottom()).as("e = ⊥ iff d ≤ x (e = %s, d = %s, x = %s)", e, d, x).isEqualTo(d.leq(x));
            assertThat(e.leq(d)).as("e ≤ d (e = %s, d = %s)", e, d).isTrue();
        });
    }

    @Test
    void keyedJoinAgreesWithThePlainLatticeJoin() {
        qt().forAll(Generators.scripts(), integers().allPositive(), integers().allPositive()).checkAssert((script, i, j) -> {
            History<S> h = script.run(spec());
            S state = h.snapshots().get(Math.floorMod(i, h.snapshots().size())).value();
            S d = h.pick(j);
            assertSame(state.join(d), state.join(spec().asComplete(d)), "state ⊔ δ = state ⊔ complete(δ)");
            S other = h.pick(i);
            assertSame(spec().asComplete(other.join(d)), spec().asComplete(spec().asComplete(other).join(spec().asComplete(d))),
                    "complete(a ⊔ b) = complete(a) ⊔ complete(b)");
        });
    }

    @Test
    void encodingRoundTripsCanonically() {
        qt().forAll(Generators.scripts(), integers().allPositive()).checkAssert((script, i) -> {
            S x = script.run(spec()).pick(i);
            byte[] encoded = bytes(x);
            try {
                Crdt<?> decoded = CrdtCodec.decode(encoded, spec().bottom().type());
                assertThat(decoded).isEqualTo(x);
                assertThat(bytes(decoded)).isEqualTo(encoded);
                assertThat(CrdtCodec.typeOf(encoded)).isEqualTo(x.type());
            } catch (CodecException e) {
                fail("decoding a valid encoding failed", e);
            }
        });
    }

    /** What the codec writes (field by field for counters) is exactly the generated message's bytes. */
    @Test
    void encoderPayloadsWriteTheGeneratedMessagesBytes() {
        qt().forAll(Generators.scripts()).checkAssert(script -> {
            StateEncodingHook.StateEncoding encoding = StateEncodingHook.encoding();
            for (S x : script.run(spec()).values()) {
                StateEncodingHook.Payload payload = encoding.toPayload(x);
                byte[] written = new byte[payload.size()];
                CodedOutputStream out = CodedOutputStream.newInstance(written);
                try {
                    payload.writeTo(out);
                } catch (IOException e) {
                    fail("writing into an exactly sized array failed", e);
                }
                out.checkNoSpaceLeft();
                assertThat(written).as("payload of %s", x).isEqualTo(encoding.toMessage(x).toByteArray());
            }
        });
    }

    @Test
    void encodedSizeIsTheEncodingsLength() {
        qt().forAll(Generators.scripts()).checkAssert(script -> {
            for (S x : script.run(spec()).values()) {
                assertThat(CrdtCodec.encodedSize(x)).as("size of %s", x).isEqualTo(CrdtCodec.encode(x).length);
            }
        });
    }

    @Test
    void damagedBytesNeverThrowAnythingButCodecException() {
        qt().forAll(Generators.scripts(), integers().allPositive(), longs().all()).checkAssert((script, i, seed) -> {
            byte[] encoded = bytes(script.run(spec()).pick(i));
            SplittableRandom random = new SplittableRandom(seed);
            byte[] flipped = encoded.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(flipped.length);
                flipped[at] ^= (byte) (1 << random.nextInt(8));
            }
            byte[] truncated = Arrays.copyOf(encoded, random.nextInt(encoded.length));
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            byte[] noisyTail = Arrays.copyOf(encoded, encoded.length + noise.length);
            System.arraycopy(noise, 0, noisyTail, encoded.length, noise.length);
            for (byte[] damaged : new byte[][] {flipped, truncated, noise, noisyTail}) {
                assertDecodesCleanly(damaged);
            }
        });
    }

    /** Either a clean {@link CodecException}, or a valid value that itself round-trips. */
    public static void assertDecodesCleanly(byte[] damaged) {
        try {
            Crdt<?> value = CrdtCodec.decode(damaged);
            byte[] again = CrdtCodec.encode(value);
            assertThat(CrdtCodec.decode(again)).isEqualTo(value);
        } catch (CodecException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException && !(cause instanceof IllegalArgumentException)) {
                fail("decoder failed with an unexpected " + cause, e);
            }
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Test
    void replicasConvergeByFullStateExchange() {
        qt().forAll(Generators.multiReplicaScripts()).checkAssert(script -> {
            History<S> h = script.run(spec());
            h.finishByStates();
            h.assertConverged();
        });
    }

    @Test
    void replicasConvergeByShuffledDuplicatedDeltas() {
        qt().forAll(Generators.multiReplicaScripts(), longs().all()).checkAssert((script, seed) -> {
            History<S> h = script.run(spec());
            h.finishByDeltas(seed);
            h.assertConverged();
        });
    }

    @Test
    void replicasConvergeByForwardingEffectiveDeltas() {
        qt().forAll(Generators.multiReplicaScripts()).checkAssert(script -> {
            History<S> h = script.run(spec());
            h.finishAlongRing();
            h.assertConverged();
        });
    }
}
