package dev.agentharness.runtime.client;

/** The harness answered with an error: its problem+json {@code title} and {@code detail} (or the bare status). */
public class HarnessApiException extends Exception {

    private final int status;
    private final String title;
    private final String detail;

    public HarnessApiException(int status, String title, String detail) {
        super(title + (detail == null || detail.isBlank() ? "" : ": " + detail));
        this.status = status;
        this.title = title;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }
}
