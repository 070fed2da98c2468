package dev.agentharness.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.agentharness.runtime.runs.PrincipalAdmin;
import dev.agentharness.runtime.runs.TenantLimits;
import dev.agentharness.runtime.security.Caller;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;

/**
 * The kill switch ({@code /admin/principals/{principal}}): only for admin principals ({@code HARNESS_ADMIN_PRINCIPALS}).
 * Anyone else gets {@code 404} exactly as for a path that does not exist, so the admin API cannot be probed.
 */
@Path("/admin/principals/{principal}")
@Produces(MediaType.APPLICATION_JSON)
@RunOnVirtualThread
public class AdminResource {

    /** Body of a suspension; {@code reason} is optional (at most 500 characters). */
    public record SuspendRequest(@JsonProperty("reason") String reason) {
    }

    /** A principal's kill-switch state, today's spend and its limits. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record PrincipalView(
            @JsonProperty("principal") String principal,
            @JsonProperty("suspended") boolean suspended,
            @JsonProperty("suspended_by") String suspendedBy,
            @JsonProperty("suspended_at") String suspendedAt,
            @JsonProperty("reason") String reason,
            @JsonProperty("resumed_by") String resumedBy,
            @JsonProperty("resumed_at") String resumedAt,
            @JsonProperty("spent_today_usd") BigDecimal spentTodayUsd,
            @JsonProperty("day_started_at") String dayStartedAt,
            @JsonProperty("resets_at") String resetsAt,
            @JsonProperty("limits") Limits limits) {
    }

    /** Unset bounds are null (unlimited). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Limits(
            @JsonProperty("requests_per_minute") Integer requestsPerMinute,
            @JsonProperty("max_queued") Integer maxQueued,
            @JsonProperty("max_in_flight") Integer maxInFlight,
            @JsonProperty("daily_budget_usd") Double dailyBudgetUsd) {
    }

    private final PrincipalAdmin admin;
    private final Caller caller;

    public AdminResource(PrincipalAdmin admin, Caller caller) {
        this.admin = admin;
        this.caller = caller;
    }

    @GET
    public PrincipalView get(@PathParam("principal") String principal) {
        requireAdmin();
        return view(admin.status(principal));
    }

    @POST
    @Path("/suspend")
    public PrincipalView suspend(@PathParam("principal") String principal, SuspendRequest request) {
        requireAdmin();
        return view(admin.suspend(principal, caller.principal(), request == null ? null : request.reason()));
    }

    @POST
    @Path("/resume")
    public PrincipalView resume(@PathParam("principal") String principal) {
        requireAdmin();
        return view(admin.resume(principal, caller.principal()));
    }

    private void requireAdmin() {
        if (!caller.isAdmin()) {
            throw ApiException.notFound("no such resource");
        }
    }

    private static PrincipalView view(PrincipalAdmin.Status status) {
        TenantLimits l = status.limits();
        return new PrincipalView(status.principal(), status.suspended(), status.suspendedBy(),
                status.suspendedAt() == null ? null : status.suspendedAt().toString(), status.reason(),
                status.resumedBy(), status.resumedAt() == null ? null : status.resumedAt().toString(),
                status.spentTodayUsd(), status.dayStartedAt().toString(), status.resetsAt().toString(),
                new Limits(l.requestsPerMinute().isPresent() ? l.requestsPerMinute().getAsInt() : null,
                        l.maxQueued().isPresent() ? l.maxQueued().getAsInt() : null,
                        l.maxInFlight().isPresent() ? l.maxInFlight().getAsInt() : null,
                        l.dailyBudgetUsd().isPresent() ? l.dailyBudgetUsd().getAsDouble() : null));
    }
}
