package dev.agentharness.demo;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's CRUD dispatcher with an index by name: its own lookup of one resource (every create, patch and
 * status patch) scans every stored resource, so at a few thousand AgentRuns and their Events the embedded
 * API server spent 80 % of its CPU there and was the slowest part of the demo (docs/benchmarks.md,
 * operator). Storage, matching, watches and responses stay fabric8's; only {@link #findResource} asks the
 * index first.
 *
 * <p>The index maps a name to the keys stored under it. It is kept in step in {@link #processEvent}, the one
 * place the dispatcher changes what it stores, by deriving the new key the way fabric8 does; every hit is
 * checked against the store and the query. Should a later fabric8 derive keys differently, the index
 * notices (a new key it computed is not stored) and switches itself off: lookups scan again, slower but
 * never wrong.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {

    private final Map<Attribute, Set<AttributeSet>> byName = new ConcurrentHashMap<>();
    private volatile boolean indexed = true;

    IndexedCrudDispatcher(List<CustomResourceDefinitionContext> crds) {
        super(crds);
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        Attribute name = query.getAttribute(KubernetesAttributesExtractor.NAME);
        if (!indexed || name == null) {
            return super.findResource(query);
        }
        for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
            String stored = map.get(key);
            if (stored != null && key.matches(query)) {
                return new AbstractMap.SimpleImmutableEntry<>(key, stored);
            }
        }
        return null;
    }

    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                             GenericKubernetesResource resource, String newState) {
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (oldAttributes != null) {
            Attribute oldName = oldAttributes.getAttribute(KubernetesAttributesExtractor.NAME);
            if (oldName != null) {
                byName.computeIfPresent(oldName, (n, keys) -> {
                    keys.remove(oldAttributes);
                    return keys.isEmpty() ? null : keys;
                });
            }
        }
        if (newState == null || !indexed) {
            return;
        }
        KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
        AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
        if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
            key = AttributeSet.merge(pathAttributes, key);
        }
        Attribute name = key.getAttribute(KubernetesAttributesExtractor.NAME);
        if (name == null || !map.containsKey(key)) {
            indexed = false;
            byName.clear();
            return;
        }
        byName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(key);
    }

    @Override
    public void reset() {
        super.reset();
        byName.clear();
    }
}
