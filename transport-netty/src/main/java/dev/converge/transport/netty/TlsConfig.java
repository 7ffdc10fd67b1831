package dev.converge.transport.netty;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mutual TLS 1.3 for every link: this node's certificate and key, and the certificates it trusts
 * to sign its peers'. Both directions present and check a certificate (client authentication is
 * required), on the JDK's TLS provider by default or on BoringSSL ({@link Provider#OPENSSL}).
 *
 * <p>Material is read from files once, when the transport is created, either as PEM (an X.509
 * certificate chain plus an unencrypted or encrypted PKCS#8 private key; trusted CA certificates)
 * or as PKCS#12 key stores. Make one with {@link #pem} or {@link #pkcs12}; the canonical
 * constructor mixes formats. Host names are not checked by default: peers are typically dialled
 * by the IP addresses of a seed list, and a peer is authenticated by its certificate's CA and by
 * the cluster-secret handshake that runs inside TLS. {@link #withHostnameVerification} turns the
 * check on for certificates issued to the dialled names.
 *
 * @param identityFormat format of {@code identityFile}
 * @param identityFile PEM certificate chain (leaf first), or PKCS#12 key store with one key entry
 * @param privateKeyFile PEM PKCS#8 private key; {@code null} for PKCS#12
 * @param identityPassword password of the PKCS#12 store or of an encrypted PEM key; may be null
 * @param trustFormat format of {@code trustFile}
 * @param trustFile PEM CA certificates, or PKCS#12 trust store
 * @param trustPassword password of the PKCS#12 trust store; may be null
 * @param verifyHostname whether a dialler checks the peer certificate against the dialled host
 * @param provider the TLS implementation
 */
public record TlsConfig(Format identityFormat, Path identityFile, Path privateKeyFile, char[] identityPassword,
                        Format trustFormat, Path trustFile, char[] trustPassword, boolean verifyHostname, Provider provider) {

    /** The TLS implementation. Both speak the same TLS 1.3, so nodes on either interoperate. */
    public enum Provider {
        /** The JDK's own (SunJSSE): no native code, the default. */
        JDK,
        /**
         * BoringSSL through netty-tcnative, shipped for Linux x86_64 and aarch64: about 1.3–1.5×
         * the JDK provider's throughput with 4 KiB messages, and less CPU per message. Refused at
         * create where it does not load.
         */
        OPENSSL
    }

    /** A key or trust material file format. */
    public enum Format {
        /** RFC 7468 text: {@code -----BEGIN CERTIFICATE-----}, {@code -----BEGIN PRIVATE KEY-----}. */
        PEM,
        /** A PKCS#12 key store ({@code .p12}, {@code .pfx}). */
        PKCS12
    }

    public TlsConfig {
        Objects.requireNonNull(identityFormat, "identityFormat");
        Objects.requireNonNull(identityFile, "identityFile");
        Objects.requireNonNull(trustFormat, "trustFormat");
        Objects.requireNonNull(trustFile, "trustFile");
        Objects.requireNonNull(provider, "provider");
        if (identityFormat == Format.PEM && privateKeyFile == null) {
            throw new IllegalArgumentException("a PEM identity needs a private key file next to " + identityFile);
        }
        if (identityFormat == Format.PKCS12 && privateKeyFile != null) {
            throw new IllegalArgumentException("a PKCS#12 identity carries its own key; got a separate key file " + privateKeyFile);
        }
        identityPassword = identityPassword == null ? null : identityPassword.clone();
        trustPassword = trustPassword == null ? null : trustPassword.clone();
    }

    /** PEM files: this node's certificate chain and private key, and the trusted CA certificates. */
    public static TlsConfig pem(Path certificateChain, Path privateKey, Path trustedCertificates) {
        return new TlsConfig(Format.PEM, certificateChain, privateKey, null, Format.PEM, trustedCertificates, null, false, Provider.JDK);
    }

    /** PKCS#12 key stores: this node's key entry, and a store of trusted CA certificates. */
    public static TlsConfig pkcs12(Path keyStore, char[] password, Path trustStore, char[] trustStorePassword) {
        return new TlsConfig(Format.PKCS12, keyStore, null, password, Format.PKCS12, trustStore, trustStorePassword, false, Provider.JDK);
    }

    /** This config with host name verification of dialled peers on or off. */
    public TlsConfig withHostnameVerification(boolean verify) {
        return new TlsConfig(identityFormat, identityFile, privateKeyFile, identityPassword, trustFormat, trustFile, trustPassword, verify, provider);
    }

    /** This config on {@code tlsProvider}. */
    public TlsConfig withProvider(Provider tlsProvider) {
        return new TlsConfig(identityFormat, identityFile, privateKeyFile, identityPassword, trustFormat, trustFile, trustPassword, verifyHostname,
                tlsProvider);
    }

    @Override
    public char[] identityPassword() {
        return identityPassword == null ? null : identityPassword.clone();
    }

    @Override
    public char[] trustPassword() {
        return trustPassword == null ? null : trustPassword.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsConfig t && identityFormat == t.identityFormat && identityFile.equals(t.identityFile)
                && Objects.equals(privateKeyFile, t.privateKeyFile) && Arrays.equals(identityPassword, t.identityPassword)
                && trustFormat == t.trustFormat && trustFile.equals(t.trustFile) && Arrays.equals(trustPassword, t.trustPassword)
                && verifyHostname == t.verifyHostname && provider == t.provider;
    }

    @Override
    public int hashCode() {
        return Objects.hash(identityFormat, identityFile, privateKeyFile, Arrays.hashCode(identityPassword), trustFormat,
                trustFile, Arrays.hashCode(trustPassword), verifyHostname, provider);
    }

    /** Files and formats; passwords are never printed. */
    @Override
    public String toString() {
        return "TlsConfig[identity=" + identityFormat + " " + identityFile + (privateKeyFile == null ? "" : " + " + privateKeyFile)
                + ", trust=" + trustFormat + " " + trustFile + ", verifyHostname=" + verifyHostname + ", provider=" + provider + "]";
    }
}
