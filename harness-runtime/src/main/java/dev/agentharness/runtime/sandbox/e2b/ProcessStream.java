package dev.agentharness.runtime.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the response of envd's {@code /process.Process/Start}: {@code start} (the pid), any number
 * of base64 {@code data} chunks of stdout/stderr and {@code keepalive}s (ignored), {@code end}
 * (exit code — absent means 0, protojson omits defaults), then the end-of-stream frame, which is
 * {@code {}} or carries the error that ended the stream (for example {@code deadline_exceeded}).
 */
final class ProcessStream {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where output chunks go, already base64-decoded. */
    interface Sink {
        void stdout(byte[] chunk);

        void stderr(byte[] chunk);
    }

    /** A Connect error as the end-of-stream frame (or a unary error body) states it. */
    record ConnectError(String code, String message) {

        @Override
        public String toString() {
            return code + ": " + message;
        }
    }

    /**
     * @param ended     an {@code end} event arrived
     * @param exitCode  the process's exit code (0 when absent; -1 when a signal killed it)
     * @param error     the end-of-stream error, if the stream ended with one
     */
    record Outcome(Integer pid, boolean ended, int exitCode, boolean exited, String status, String endError,
                   Optional<ConnectError> error) {
    }

    private ProcessStream() {
    }

    static Outcome read(ConnectEnvelope.Reader reader, Sink sink) throws IOException {
        Integer pid = null;
        boolean ended = false;
        int exitCode = 0;
        boolean exited = false;
        String status = null;
        String endError = null;
        while (true) {
            ConnectEnvelope.Frame frame = reader.next()
                    .orElseThrow(() -> new IOException("the stream ended without an end-of-stream frame"));
            if ((frame.flags() & ConnectEnvelope.COMPRESSED) != 0) {
                throw new IOException("envd sent a compressed frame although none was negotiated");
            }
            JsonNode json = frame.payload().length == 0 ? JSON.createObjectNode() : JSON.readTree(frame.payload());
            if (frame.endOfStream()) {
                JsonNode error = json.path("error");
                Optional<ConnectError> streamError = error.isObject()
                        ? Optional.of(new ConnectError(error.path("code").asText("unknown"), error.path("message").asText("")))
                        : Optional.empty();
                return new Outcome(pid, ended, exitCode, exited, status, endError, streamError);
            }
            JsonNode event = json.path("event");
            if (event.has("start")) {
                pid = event.get("start").path("pid").asInt();
            } else if (event.has("data")) {
                JsonNode data = event.get("data");
                if (data.has("stdout")) {
                    sink.stdout(Base64.getDecoder().decode(data.get("stdout").asText()));
                } else if (data.has("stderr")) {
                    sink.stderr(Base64.getDecoder().decode(data.get("stderr").asText()));
                } else if (data.has("pty")) {
                    sink.stdout(Base64.getDecoder().decode(data.get("pty").asText()));
                }
            } else if (event.has("end")) {
                JsonNode end = event.get("end");
                ended = true;
                exitCode = end.path("exitCode").asInt(0);
                exited = end.path("exited").asBoolean(false);
                status = end.path("status").asText(null);
                endError = end.path("error").asText(null);
            }
            // keepalive, and event kinds newer envds may add, carry nothing to keep.
        }
    }
}
