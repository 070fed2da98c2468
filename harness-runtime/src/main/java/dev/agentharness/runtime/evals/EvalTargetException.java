package dev.agentharness.runtime.evals;

/** The target could not run a case (unreachable, refused the request): the case errors, it is not graded. */
public class EvalTargetException extends Exception {

    public EvalTargetException(String message) {
        super(message);
    }

    public EvalTargetException(String message, Throwable cause) {
        super(message, cause);
    }
}
