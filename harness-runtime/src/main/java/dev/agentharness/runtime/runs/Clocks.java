package dev.agentharness.runtime.runs;

import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import java.time.Clock;

/** The wall clock for beans that measure deadlines; tests construct those beans with their own {@link Clock}. */
@Singleton
public class Clocks {

    @Produces
    @Singleton
    Clock systemClock() {
        return Clock.systemUTC();
    }
}
