/** FAKE servers for offline demos and tests. */
package dev.agentharness.fakes;
