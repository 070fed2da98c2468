package dev.agentharness.deploy.helm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ChartLintTest {

    @Test
    void strictLintReportsNoErrorAndNoWarning() {
        var result = ChartRenderingTest.CHART.lint();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
        // Helm's only remaining note is "icon is recommended" (INFO): there is no project icon to point at yet.
        assertEquals(java.util.List.of(), result.getMessages().stream()
                .filter(m -> m.contains("[ERROR]") || m.contains("[WARNING]")).toList());
    }
}
