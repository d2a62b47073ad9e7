// Azure OpenAI chat completions, both API shapes:
//   v1:          POST {endpoint}/openai/v1/chat/completions            (deployment in "model")
//   deployments: POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V
// authorized with an api-key header or an Entra bearer token (the Authorizer decides), streamed
// as server-sent events. check() lists models (GET …/models), which needs a valid credential
// but costs no tokens.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "llmauth/core/http.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/llm/authorizer.hpp"
#include "llmauth/llm/chat.hpp"

namespace llmauth::llm {

struct AzureOpenAIOptions : ModelCallOptions {
  std::string endpoint;  // https://NAME.openai.azure.com (no path)
  enum class Api { kV1, kDeployments } api = Api::kV1;
  std::string api_version;         // deployments API: required; v1: optional ("preview", "latest")
  std::string default_deployment;  // used when ChatRequest::model is empty
};

class AzureOpenAIClient final : public ChatClient {
 public:
  // Throws Error(kInvalidInput) for a malformed endpoint or a deployments API without a version.
  AzureOpenAIClient(std::shared_ptr<http::Transport> transport,
                    std::shared_ptr<Authorizer> authorizer, AzureOpenAIOptions options,
                    http::Sleeper sleep = {});
  ChatResponse chat(const ChatRequest& request) override;
  ChatResponse chat_stream(const ChatRequest& request, const StreamSink& sink) override;
  std::string check() override;
  [[nodiscard]] std::string_view provider_type() const override { return "azure_openai"; }

  // The wire body for a request (exposed for tests and `--json` debugging).
  [[nodiscard]] json::Json request_body(const ChatRequest& request, bool stream) const;
  [[nodiscard]] std::string chat_url(const ChatRequest& request) const;

 private:
  std::shared_ptr<http::Transport> transport_;
  std::shared_ptr<Authorizer> authorizer_;
  AzureOpenAIOptions options_;
  http::Sleeper sleep_;
};

// Parses a chat.completion JSON body into the neutral response. Throws Error(kInvalidInput)
// with the JSON path of what is missing or malformed.
ChatResponse parse_chat_completion(std::string_view body);

}  // namespace llmauth::llm
