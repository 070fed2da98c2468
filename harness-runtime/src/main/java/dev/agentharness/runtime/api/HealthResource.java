package dev.agentharness.runtime.api;

import dev.agentharness.api.HealthResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

@Path("/health")
public class HealthResource {

    @ConfigProperty(name = "harness.model.default")
    String model;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public HealthResponse health() {
        return new HealthResponse("ok", model, new HealthResponse.Backends(false, false, false));
    }
}
