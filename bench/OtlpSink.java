import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP/HTTP collector that keeps nothing: answers every {@code POST /v1/traces} with 200 and an empty
 * (valid) protobuf response, and counts requests and bytes. {@code bench/observability.sh} points the harness's
 * exporters at it so the benchmark measures what exporting costs the harness, not what a collector does with it.
 * Usage: java bench/OtlpSink.java PORT — prints "requests bytes" on every line read from stdin and at exit.
 */
public class OtlpSink {

    public static void main(String[] args) throws Exception {
        AtomicLong requests = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 128);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            bytes.addAndGet(exchange.getRequestBody().readAllBytes().length);
            requests.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                System.out.printf("otlp sink: %d export requests, %d bytes%n", requests.get(), bytes.get())));
        System.out.println("otlp sink listening on " + args[0]);
        Thread.currentThread().join();
    }
}
