-- Cancel an AgentRun: set spec.cancel; the operator cancels the harness run and the Succeeded condition turns False
-- with reason Cancelled. A finished run is left unchanged.
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Succeeded" and (condition.status == "True" or condition.status == "False") then
      return obj
    end
  end
end
if obj.spec == nil then
  obj.spec = {}
end
obj.spec.cancel = true
return obj
