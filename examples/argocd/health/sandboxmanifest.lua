-- Argo CD health check for agentharness.dev/SandboxManifest.
-- The operator validates the manifest (the harness's own validator) and sets a "Ready" condition: True (reason
-- Valid) or False (reason Invalid, with a message saying what is wrong).
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to validate the manifest"
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to validate the latest spec"
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    if condition.status == "True" then
      hs.status = "Healthy"
      hs.message = condition.message or "The manifest is valid"
      -- The operator's message names the digest already ("valid; digest sha256:…"): add it only when it does not.
      if obj.status.digest ~= nil and string.find(hs.message, obj.status.digest, 1, true) == nil then
        hs.message = hs.message .. " (digest " .. obj.status.digest .. ")"
      end
      return hs
    end
    if condition.status == "False" then
      hs.status = "Degraded"
      hs.message = condition.message or condition.reason or "The manifest is invalid"
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the operator to validate the manifest"
return hs
