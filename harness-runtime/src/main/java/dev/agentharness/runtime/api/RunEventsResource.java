package dev.agentharness.runtime.api;

import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.RunRequest;
import dev.agentharness.runtime.runs.RunEvent;
import dev.agentharness.runtime.runs.RunEventStream;
import dev.agentharness.runtime.runs.RunEvents;
import dev.agentharness.runtime.runs.RunService;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

import java.util.List;

/**
 * A run's journal as server-sent events: {@code GET /runs/{id}/events}, and {@code POST /runs} with
 * {@code Accept: text/event-stream} (submit exactly like the JSON variant, then follow the new run). Only adapts:
 * everything is decided in {@code runs/RunEvents} before the first byte, so refusals are problem+json; the stream
 * itself is pumped on a virtual thread of its own and stops when the client goes away.
 */
@Path("/runs")
@RunOnVirtualThread
public class RunEventsResource {

    private static final Logger LOG = Logger.getLogger(RunEventsResource.class);

    private final RunEvents events;
    private final RunService service;
    private final Caller caller;

    public RunEventsResource(RunEvents events, RunService service, Caller caller) {
        this.events = events;
        this.service = service;
        this.caller = caller;
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> events(@PathParam("id") String runId,
                                          @HeaderParam(RunEvents.LAST_EVENT_ID) String lastEventId,
                                          @QueryParam(RunEvents.AFTER) String after, @Context Sse sse) {
        return stream(events.follow(runId, caller.principal(), lastEventId, after), sse);
    }

    /** Same validation, idempotency, errors and Location as the JSON {@code POST /runs}; the body is the stream. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> createRunAndFollow(@HeaderParam(HarnessApi.IDEMPOTENCY_KEY) String idempotencyKey,
                                                      RunRequest request, @Context Sse sse) {
        String principal = caller.principal();
        RunEventStream stream = events.submitAndFollow(service, principal, idempotencyKey, request);
        return RestMulti.fromMultiData(stream(stream, sse))
                .header(HttpHeaders.LOCATION, "/runs/" + stream.runId())
                .build();
    }

    private static Multi<OutboundSseEvent> stream(RunEventStream stream, Sse sse) {
        return Multi.createFrom().emitter(emitter -> {
            emitter.onTermination(stream::close);
            Thread.ofVirtual().name("run-events-" + stream.runId()).start(() -> pump(stream, emitter, sse));
        });
    }

    private static void pump(RunEventStream stream, MultiEmitter<? super OutboundSseEvent> emitter, Sse sse) {
        try (stream) {
            while (!stream.finished() && !emitter.isCancelled()) {
                List<RunEvent> batch = stream.next();
                if (batch.isEmpty() && !stream.finished()) {
                    emitter.emit(sse.newEventBuilder().comment(" keep-alive").build());
                }
                batch.forEach(event -> emitter.emit(toSse(event, sse)));
            }
            emitter.complete();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            emitter.complete();
        } catch (RuntimeException e) {
            // A database hiccup ends this connection cleanly; the client reconnects with Last-Event-ID.
            LOG.warnf("events stream of run %s ended early: %s", stream.runId(), e.getMessage());
            emitter.complete();
        }
    }

    private static OutboundSseEvent toSse(RunEvent event, Sse sse) {
        OutboundSseEvent.Builder builder = sse.newEventBuilder().name(event.kind()).data(String.class, event.dataJson());
        if (event.seq() != null) {
            builder.id(Integer.toString(event.seq()));
        }
        return builder.build();
    }
}
