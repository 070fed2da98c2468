package dev.agentharness.runtime.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Whether a server the tests started listens on {@code 127.0.0.1:port} yet. The probe connects from 127.0.0.2: a
 * probe from 127.0.0.1 to a port nobody listens on yet can be given that very port as its own source port and
 * connect to itself (TCP simultaneous open) — it then "answers", and holds the port the server is about to bind
 * (CI saw s3mock fail with "Address already in use" after such a probe). From another address that cannot happen.
 */
public final class LoopbackProbe {

    private static final InetSocketAddress PROBE_FROM = new InetSocketAddress(loopback("127.0.0.2"), 0);

    private LoopbackProbe() {
    }

    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.bind(PROBE_FROM);
            socket.connect(new InetSocketAddress(loopback("127.0.0.1"), port), 500);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static InetAddress loopback(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (IOException e) {
            throw new IllegalStateException("a literal loopback address always resolves", e);
        }
    }
}
