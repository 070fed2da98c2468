package dev.agentharness.runtime.agent;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an optional tool argument. Strict schemas require every property, so "optional" means the
 * model must send the key but may send {@code null}; the record component then receives {@code null}.
 * Chosen over {@code java.util.Optional<T>} components because those need an extra Jackson module
 * and are discouraged as fields.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Nullable {
}
