package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP endpoints on Netty's codec-http: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health} (200 while the node serves, 503 otherwise) and {@code GET /status} (JSON,
 * what {@code converge status} prints). Requests are small and bounded: 8 KiB of headers, no body,
 * 30 s idle timeout.
 */
final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final EventLoopGroup group;
    private Channel server;
    private Endpoint bound;

    private HttpServer(EventLoopGroup group) {
        this.group = group;
    }

    static HttpServer start(Endpoint endpoint, ConvergeNode node) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("converge-http", true),
                NioIoHandler.newFactory());
        HttpServer s = new HttpServer(group);
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(30));
                        ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192));
                        ch.pipeline().addLast(new HttpObjectAggregator(8192));
                        ch.pipeline().addLast(new Handler(node));
                    }
                });
        try {
            s.server = b.bind(endpoint.host(), endpoint.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            // Netty rethrows the bind's IOException unchecked.
            s.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        InetSocketAddress addr = (InetSocketAddress) s.server.localAddress();
        s.bound = new Endpoint(addr.getAddress().getHostAddress(), addr.getPort());
        LOG.info("HTTP on {}: /metrics /health /status", s.bound);
        return s;
    }

    Endpoint boundEndpoint() {
        return bound;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** A response, built now or once the node answers. */
    private record Response(HttpResponseStatus status, String type, String body, boolean keepAlive) {
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ConvergeNode node;
        /**
         * When the responses so far are written: each waits for the one before, so pipelined
         * requests are answered in order although {@code /status} and {@code /metrics} answer
         * later than the rest (HTTP/1.1 requires it). Touched on the channel's event loop only.
         */
        private CompletableFuture<Void> written = CompletableFuture.completedFuture(null);

        Handler(ConvergeNode node) {
            this.node = node;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            CompletableFuture<Response> response = respond(request).toCompletableFuture().exceptionally(failure -> new Response(
                    HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain", "unavailable: " + failure.getMessage() + "\n", false));
            written = written.thenCombine(response, (previous, r) -> r).thenAcceptAsync(r -> {
                try {
                    send(ctx, r.status(), r.type(), r.body(), r.keepAlive());
                } catch (RuntimeException e) {
                    ctx.close();
                }
            }, ctx.executor());
        }

        private CompletionStage<Response> respond(FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                return now(HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n", false);
            }
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                return now(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "only GET\n", keepAlive);
            }
            String path = new QueryStringDecoder(request.uri()).path();
            return switch (path) {
                case "/health" -> {
                    boolean up = node.serving();
                    yield now(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain",
                            up ? "OK\n" : "stopping\n", keepAlive);
                }
                case "/metrics" -> node.metrics().scrape(node).thenApply(text -> new Response(HttpResponseStatus.OK, PROMETHEUS_TEXT, text, keepAlive));
                case "/status" -> node.statusJson().thenApply(j -> new Response(HttpResponseStatus.OK, "application/json", j + "\n", keepAlive));
                case "/" -> now(HttpResponseStatus.OK, "text/plain", "converge node " + node.settings().nodeId()
                        + ": GET /metrics, /health, /status\n", keepAlive);
                default -> now(HttpResponseStatus.NOT_FOUND, "text/plain", "not found; try /metrics, /health or /status\n", keepAlive);
            };
        }

        private static CompletionStage<Response> now(HttpResponseStatus status, String type, String body, boolean keepAlive) {
            return CompletableFuture.completedFuture(new Response(status, type, body, keepAlive));
        }

        private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body, boolean keepAlive) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
