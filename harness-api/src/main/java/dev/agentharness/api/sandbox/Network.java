package dev.agentharness.api.sandbox;

import java.util.List;

/**
 * What the sandbox may reach on the network.
 *
 * @param egress host names the sandbox may connect to; empty (the default) = no network at all
 */
public record Network(List<String> egress) {

    public static final Network NONE = new Network(List.of());

    public Network {
        egress = egress == null ? List.of() : List.copyOf(egress);
    }

    public boolean allows(String host) {
        return egress.contains(host);
    }
}
