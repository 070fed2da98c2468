package dev.agentharness.fakes.model;

/**
 * The FAKE model of {@code make demo}: plays the example agent the request is for, told apart by
 * the tools the request offers — the sandbox tools of "analyst" ({@link AnalystDemoResponder}),
 * otherwise the support tools of "maya" ({@link MayaDemoResponder}, which also acknowledges a
 * request offering no tools).
 */
public final class DemoResponder implements Responder {

    private final Responder maya = new MayaDemoResponder();
    private final Responder analyst = new AnalystDemoResponder();

    @Override
    public Reply reply(RecordedRequest request) {
        return AnalystDemoResponder.handles(request) ? analyst.reply(request) : maya.reply(request);
    }
}
