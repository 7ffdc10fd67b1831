package dev.converge.transport.netty;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time with Bouncy Castle: a CA and node certificates it signs (EC
 * P-256, valid for a day, SAN 127.0.0.1 and localhost), written as PEM and PKCS#12.
 */
final class TestCertificates {

    static final char[] PASSWORD = "test-password".toCharArray();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key pair and its certificate. */
    record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private TestCertificates() {
    }

    static Issued ca(String name) {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        try {
            X509v3CertificateBuilder b = builder(subject, subject, keys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Issued(keys, sign(b, keys));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Issued node(String name, Issued ca) {
        KeyPair keys = ecKeys();
        try {
            X509v3CertificateBuilder b = builder(X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
                    new X500Name("CN=" + name), keys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
            return new Issued(keys, sign(b, ca.keys()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        long now = System.currentTimeMillis();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()), new Date(now - 60_000),
                new Date(now + 86_400_000), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM files of {@code node} in {@code dir}: {@code name.crt}, {@code name.key}, and {@code name-ca.crt} with {@code ca}. */
    static TlsConfig pem(Path dir, String name, Issued node, Issued ca) {
        return pem(dir, name, node, ca, ca);
    }

    /** PEM files: {@code node}'s chain up to {@code issuer}, trusting {@code trusted}. */
    static TlsConfig pem(Path dir, String name, Issued node, Issued issuer, Issued trusted) {
        try {
            Path chain = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Path trust = dir.resolve(name + "-ca.crt");
            Files.writeString(chain, pem("CERTIFICATE", node.certificate().getEncoded()) + pem("CERTIFICATE", issuer.certificate().getEncoded()));
            Files.writeString(key, pem("PRIVATE KEY", node.keys().getPrivate().getEncoded()));
            Files.writeString(trust, pem("CERTIFICATE", trusted.certificate().getEncoded()));
            return TlsConfig.pem(chain, key, trust);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#12 stores of {@code node} (key entry) and {@code ca} (trusted entry) in {@code dir}. */
    static TlsConfig pkcs12(Path dir, String name, Issued node, Issued ca) {
        try {
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("node", node.keys().getPrivate(), PASSWORD, new X509Certificate[] {node.certificate(), ca.certificate()});
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            Path identityFile = dir.resolve(name + ".p12");
            Path trustFile = dir.resolve(name + "-trust.p12");
            try (OutputStream out = Files.newOutputStream(identityFile)) {
                identity.store(out, PASSWORD);
            }
            try (OutputStream out = Files.newOutputStream(trustFile)) {
                trust.store(out, PASSWORD);
            }
            return TlsConfig.pkcs12(identityFile, PASSWORD, trustFile, PASSWORD);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
