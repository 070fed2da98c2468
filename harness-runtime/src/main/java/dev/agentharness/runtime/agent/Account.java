package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A customer account of the fictional ACME Cloud, as {@code lookup_account} returns it. */
public record Account(String id, String name, String email, String plan, String status,
                      @JsonProperty("open_tickets") List<String> openTickets) {

    public Account {
        openTickets = List.copyOf(openTickets);
    }
}
