package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which stops end a run here and which hand it on: the latter keep what another replica needs to continue it. */
class ActiveRunTest {

    @Test
    void onlyALostLeaseOrAReleaseContinuesElsewhere() {
        Map<ActiveRun.Stop, Boolean> expected = Map.of(ActiveRun.Stop.LEASE_LOST, true, ActiveRun.Stop.RELEASED, true,
                ActiveRun.Stop.TIMED_OUT, false);
        expected.forEach((stop, continues) -> {
            ActiveRun run = new ActiveRun(null, null);
            run.stop(stop);
            assertEquals(continues, run.continuesElsewhere(), stop.name());
        });
        assertEquals(false, new ActiveRun(null, null).continuesElsewhere(), "a run that ends by itself ends here");
    }
}
