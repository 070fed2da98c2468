package dev.agentharness.fakes.model;

/**
 * The FAKE model of {@code make demo} and {@code make eval}: plays the evaluation judge when the request is a judge's
 * ({@link JudgeDemoResponder}: instructions starting with {@code You are an evaluation judge.}), otherwise the example
 * agent the request is for, told apart by the tools the request offers — the sandbox tools of "analyst"
 * ({@link AnalystDemoResponder}), otherwise the support tools of "maya" and "billing" ({@link MayaDemoResponder},
 * which also acknowledges a request offering no tools).
 */
public final class DemoResponder implements Responder {

    private final Responder maya = new MayaDemoResponder();
    private final Responder analyst = new AnalystDemoResponder();
    private final Responder judge = new JudgeDemoResponder();

    @Override
    public Reply reply(RecordedRequest request) {
        if (JudgeDemoResponder.handles(request)) {
            return judge.reply(request);
        }
        return AnalystDemoResponder.handles(request) ? analyst.reply(request) : maya.reply(request);
    }
}
