package dev.converge.transport.netty;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the server and client TLS contexts of a {@link TlsConfig}: TLS 1.3 only, client
 * certificates required, on the configured provider.
 */
final class Tls {

    static final String PROTOCOL = "TLSv1.3";

    private Tls() {
    }

    static SslContext server(TlsConfig config) {
        SslProvider provider = provider(config.provider());
        try {
            SslContextBuilder b = config.identityFormat() == TlsConfig.Format.PEM
                    ? SslContextBuilder.forServer(config.identityFile().toFile(), config.privateKeyFile().toFile(), password(config.identityPassword()))
                    : SslContextBuilder.forServer(keyManagers(config));
            return trust(b, config, provider).clientAuth(ClientAuth.REQUIRE).build();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load the TLS material of " + config + ": " + e.getMessage(), e);
        }
    }

    static SslContext client(TlsConfig config) {
        SslProvider provider = provider(config.provider());
        try {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (config.identityFormat() == TlsConfig.Format.PEM) {
                b.keyManager(config.identityFile().toFile(), config.privateKeyFile().toFile(), password(config.identityPassword()));
            } else {
                b.keyManager(keyManagers(config));
            }
            // Off by default (see TlsConfig): null disables the JDK's endpoint identification.
            b.endpointIdentificationAlgorithm(config.verifyHostname() ? "HTTPS" : null);
            return trust(b, config, provider).build();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load the TLS material of " + config + ": " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder trust(SslContextBuilder b, TlsConfig config, SslProvider provider) throws IOException, GeneralSecurityException {
        if (config.trustFormat() == TlsConfig.Format.PEM) {
            b.trustManager(config.trustFile().toFile());
        } else {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(config.trustFile(), config.trustPassword()));
            b.trustManager(tmf);
        }
        return b.sslProvider(provider).protocols(PROTOCOL);
    }

    private static SslProvider provider(TlsConfig.Provider provider) {
        if (provider == TlsConfig.Provider.JDK) {
            return SslProvider.JDK;
        }
        if (!OpenSsl.isAvailable()) {
            Throwable why = OpenSsl.unavailabilityCause();
            throw new IllegalArgumentException("TLS provider openssl: BoringSSL (netty-tcnative) does not load on this platform ("
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")" + (why == null ? "" : ": " + why.getMessage())
                    + "; use the jdk provider");
        }
        return SslProvider.OPENSSL;
    }

    private static KeyManagerFactory keyManagers(TlsConfig config) throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        char[] password = config.identityPassword();
        kmf.init(load(config.identityFile(), password), password == null ? new char[0] : password);
        return kmf;
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }

    private static String password(char[] password) {
        return password == null ? null : new String(password);
    }
}
