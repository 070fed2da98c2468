/** The harness HTTP contract: records and one JAX-RS interface, no framework code. */
package dev.agentharness.api;
