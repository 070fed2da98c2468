package dev.agentharness.runtime.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** An object's bytes as the store streams them, {@code size} long; the reader closes it. */
public record ObjectContent(InputStream stream, long size) implements Closeable {

    @Override
    public void close() throws IOException {
        stream.close();
    }
}
