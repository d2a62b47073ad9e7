#include "llmauth/aws/credentials/metadata_client.hpp"

#include <algorithm>
#include <cctype>

#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::aws {
MetadataClient::MetadataClient(http::Transport& transport, MetadataPolicy policy)
    : transport_(transport), policy_(policy) {
  policy_.attempts = std::max(1, policy_.attempts);
  if (policy_.timeout.count() <= 0) policy_.timeout = std::chrono::milliseconds(1);
}

MetadataReply MetadataClient::send(http::Request request) const {
  request.timeout = policy_.timeout;
  request.connect_timeout = policy_.timeout;
  if (!request.max_response_bytes) request.max_response_bytes = kMaxMetadataAnswerBytes;
  http::CallOptions options;
  options.retry.max_attempts = policy_.attempts;
  options.retry.initial_delay = policy_.retry_delay;
  options.retry.max_delay = policy_.retry_delay;
  options.retry.backoff = http::RetryPolicy::Backoff::kConstant;
  options.sleep = sleep_;
  options.judge = [](const http::Response& r) {
    return r.status >= 500 && r.status <= 599 ? http::Verdict::kRetry : http::Verdict::kDone;
  };
  MetadataReply reply;
  options.redactor = &reply.redactor;
  try {
    http::Response r = http::call(transport_, request, options);
    reply.status = r.status;
    reply.headers = std::move(r.headers);
    reply.body = std::move(r.body);
    reply.attempts = r.attempts;
  } catch (const Error& e) {
    reply.failure = e;
    reply.attempts = policy_.attempts;
  }
  return reply;
}

std::string error_excerpt(const MetadataReply& reply) {
  if (reply.status < 400 || reply.body.empty()) return {};
  return reply.redactor.scrub(json_error_text(reply.body));
}

}  // namespace llmauth::aws
