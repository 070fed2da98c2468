-- Argo CD resource actions of agentharness.dev/AgentRun: "cancel" is offered while the run can still be cancelled,
-- i.e. until its Succeeded condition is True or False, and not twice.
local actions = {}
local finished = false
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Succeeded" and (condition.status == "True" or condition.status == "False") then
      finished = true
    end
  end
end
local requested = obj.spec ~= nil and obj.spec.cancel == true
actions["cancel"] = {["disabled"] = finished or requested, ["iconClass"] = "fa fa-fw fa-stop-circle"}
return actions
