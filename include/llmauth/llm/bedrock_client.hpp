// Amazon Bedrock runtime: Converse and ConverseStream mapped to and from the neutral chat model
// (system prompts, inference config, stop sequences, tools and tool results), InvokeModel as a
// raw passthrough. Model ids, inference profile ids and ARNs are URL-encoded into the path.
// Authorized with SigV4 (service "bedrock") or a Bedrock API key as a bearer token.
//   POST {endpoint}/model/{modelId}/converse
//   POST {endpoint}/model/{modelId}/converse-stream   (application/vnd.amazon.eventstream)
//   POST {endpoint}/model/{modelId}/invoke
// The endpoint is https://bedrock-runtime.{region}.amazonaws.com unless overridden.
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

struct BedrockOptions : ModelCallOptions {
  std::string region;
  std::string endpoint;       // empty: the regional bedrock-runtime endpoint
  std::string default_model;  // used when ChatRequest::model is empty
};

struct InvokeResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

class BedrockClient final : public ChatClient {
 public:
  BedrockClient(std::shared_ptr<http::Transport> transport, std::shared_ptr<Authorizer> authorizer,
                BedrockOptions options, http::Sleeper sleep = {});
  ChatResponse chat(const ChatRequest& request) override;
  ChatResponse chat_stream(const ChatRequest& request, const StreamSink& sink) override;
  std::string check() override;
  [[nodiscard]] std::string_view provider_type() const override { return "aws_bedrock"; }

  // InvokeModel with a raw body (the model's native format); returns the raw answer.
  InvokeResult invoke(const std::string& model, std::string body,
                      std::string content_type = "application/json");

  // The Converse wire body for a request (exposed for tests).
  [[nodiscard]] static json::Json converse_body(const ChatRequest& request);
  [[nodiscard]] std::string model_url(const std::string& model, std::string_view action) const;

 private:
  [[nodiscard]] std::string model_of(const ChatRequest& request) const;
  std::shared_ptr<http::Transport> transport_;
  std::shared_ptr<Authorizer> authorizer_;
  BedrockOptions options_;
  std::string endpoint_;
  http::Sleeper sleep_;
};

// Parses a Converse JSON answer into the neutral response.
ChatResponse parse_converse_response(std::string_view body, std::string model);

}  // namespace llmauth::llm
