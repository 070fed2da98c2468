package dev.agentharness.runtime.evals;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A golden set as read from its file by {@link DatasetReader}: its cases in file order, ids unique. */
public record Dataset(Path file, List<EvalCase> cases) {

    public Dataset {
        Objects.requireNonNull(file, "file");
        cases = List.copyOf(cases);
    }

    /** The file's name ({@code maya.jsonl}): what a baseline's {@code dataset} names. */
    public String name() {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }

    /** Whether any case has a {@code judge} expectation: a runner checks a judge is configured before it runs. */
    public boolean needsJudge() {
        return cases.stream().flatMap(c -> c.graders().stream()).anyMatch(g -> Graders.JUDGE.equals(g.kind()));
    }

    public Optional<EvalCase> find(String id) {
        return cases.stream().filter(c -> c.id().equals(id)).findFirst();
    }
}
