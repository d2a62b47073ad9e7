#include "llmauth/llm/chat.hpp"

namespace llmauth::llm {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

ProviderError::ProviderError(std::string message, int status, std::string provider_code,
                             std::string request_id)
    : Error(std::move(message), ErrorCode::kHttpStatus),
      status_(status),
      provider_code_(std::move(provider_code)),
      request_id_(std::move(request_id)) {}

void StreamAssembler::add(const StreamDelta& delta) {
  response_.message.content += delta.content;
  for (const auto& d : delta.tool_calls) {
    if (d.index < 0 || d.index > 1024) continue;
    auto& calls = response_.message.tool_calls;
    if (calls.size() <= static_cast<std::size_t>(d.index))
      calls.resize(static_cast<std::size_t>(d.index) + 1);
    auto& call = calls[static_cast<std::size_t>(d.index)];
    if (!d.id.empty()) call.id = d.id;
    if (!d.name.empty()) call.name = d.name;
    call.arguments += d.arguments;
  }
  if (delta.finish_reason) response_.finish_reason = *delta.finish_reason;
  if (delta.usage) response_.usage = delta.usage;
}

ChatResponse StreamAssembler::finish(std::string id, std::string model) && {
  response_.id = std::move(id);
  response_.model = std::move(model);
  return std::move(response_);
}

}  // namespace llmauth::llm
