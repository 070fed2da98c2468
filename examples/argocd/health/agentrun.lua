-- Argo CD health check for agentharness.dev/AgentRun.
-- The operator keeps a Tekton-style "Succeeded" condition: Unknown while the run is queued or running (also while
-- it retries an unavailable harness), True when it succeeded, False when it failed, was cancelled or timed out.
local hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to submit the run"
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the latest spec"
  return hs
end
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Succeeded" then
      local detail = condition.message
      if detail == nil or detail == "" then
        detail = condition.reason
      end
      if condition.status == "True" then
        hs.status = "Healthy"
        hs.message = detail or "The run succeeded"
        return hs
      end
      if condition.status == "False" then
        hs.status = "Degraded"
        if condition.reason ~= nil and condition.message ~= nil and condition.message ~= "" then
          hs.message = condition.reason .. ": " .. condition.message
        else
          hs.message = detail or "The run failed"
        end
        return hs
      end
      hs.status = "Progressing"
      if condition.reason ~= nil and condition.message ~= nil and condition.message ~= "" then
        hs.message = condition.reason .. ": " .. condition.message
      else
        hs.message = detail or "The run is in progress"
      end
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for the run to start"
if obj.status.phase ~= nil then
  hs.message = "Phase " .. obj.status.phase
end
return hs
