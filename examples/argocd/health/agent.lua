-- Argo CD health check for agentharness.dev/Agent.
-- The operator's promotion gate keeps a "Ready" condition: True with reason Active once the spec's version serves
-- runs; False while it is Valid (registered, activation next) or Evaluating (its golden set runs on the harness), and
-- False with reason Invalid (the message names the field) or EvaluationFailed (the message names the failing cases);
-- Unknown with reason HarnessUnavailable while the operator retries an unreachable harness.
-- A failed candidate leaves the previous version serving (status.activeVersion): the Agent is Degraded all the same,
-- because what git says is not what runs.
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to register the agent"
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the latest spec"
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    local detail = condition.reason or "Ready " .. (condition.status or "Unknown")
    if condition.message ~= nil and condition.message ~= "" then
      detail = detail .. ": " .. condition.message
    end
    if condition.status == "True" then
      hs.status = "Healthy"
      hs.message = detail
      if obj.status.activeVersion ~= nil and string.find(hs.message, obj.status.activeVersion, 1, true) == nil then
        hs.message = hs.message .. " (version " .. obj.status.activeVersion .. ")"
      end
      return hs
    end
    if condition.reason == "Invalid" or condition.reason == "EvaluationFailed" then
      hs.status = "Degraded"
      hs.message = detail
      if obj.status.activeVersion ~= nil then
        hs.message = hs.message .. " (still serving " .. obj.status.activeVersion .. ")"
      end
      return hs
    end
    hs.status = "Progressing"
    hs.message = detail
    return hs
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the operator to register the agent"
return hs
