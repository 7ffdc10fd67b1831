package dev.converge.bench.e2e;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The driver's Redis connection: blocking, one request at a time, only SET and GET, no
 * allocation per request beyond GET's reply; lean so the driver, on the same CPUs as the nodes,
 * takes as little of them as it can.
 */
final class RespClient implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 30_000;
    private static final byte[] SET = command("SET");
    private static final byte[] GET = command("GET");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final StringBuilder line = new StringBuilder();

    private RespClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
    }

    static RespClient connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            return new RespClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** {@code SET key value}; fails unless the reply is {@code +OK}. */
    void set(byte[] key, byte[] value) throws IOException {
        out.write(SET);
        bulk(key);
        bulk(value);
        out.flush();
        int type = in.read();
        String reply = readLine();
        if (type != '+' || !reply.equals("OK")) {
            throw new IOException("SET: unexpected reply " + (char) type + reply);
        }
    }

    /** {@code GET key}: the value as text, or null when there is none. */
    String get(byte[] key) throws IOException {
        out.write(GET);
        bulk(key);
        out.flush();
        int type = in.read();
        String header = readLine();
        if (type != '$') {
            throw new IOException("GET: unexpected reply " + (char) type + header);
        }
        int length = Integer.parseInt(header);
        if (length < 0) {
            return null;
        }
        byte[] data = in.readNBytes(length + 2);
        if (data.length != length + 2) {
            throw new EOFException("connection closed inside a reply");
        }
        return new String(data, 0, length, StandardCharsets.UTF_8);
    }

    /** The array header and command name of a three- or two-argument command. */
    private static byte[] command(String name) {
        int args = name.equals("SET") ? 3 : 2;
        return ("*" + args + "\r\n$" + name.length() + "\r\n" + name + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private void bulk(byte[] b) throws IOException {
        out.write('$');
        writeDecimal(b.length);
        out.write('\r');
        out.write('\n');
        out.write(b);
        out.write('\r');
        out.write('\n');
    }

    private void writeDecimal(int n) throws IOException {
        if (n >= 10) {
            writeDecimal(n / 10);
        }
        out.write('0' + n % 10);
    }

    private String readLine() throws IOException {
        line.setLength(0);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (c == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("malformed reply line: " + line);
                }
                return line.toString();
            }
            line.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
