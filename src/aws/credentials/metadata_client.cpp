#include "llmauth/aws/credentials/metadata_client.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/json.hpp"

namespace llmauth::aws {
namespace {

bool retryable_status(int status) { return status >= 500 && status <= 599; }

bool retryable_failure(const Error& e) {
  return e.code() == ErrorCode::kTimeout || e.code() == ErrorCode::kNetwork;
}

}  // namespace

MetadataClient::MetadataClient(http::Transport& transport, RetryPolicy policy)
    : transport_(transport), policy_(policy) {
  policy_.attempts = std::max(1, policy_.attempts);
  if (policy_.timeout.count() <= 0) policy_.timeout = std::chrono::milliseconds(1);
}

MetadataReply MetadataClient::send(http::Request request) const {
  request.timeout = policy_.timeout;
  request.connect_timeout = policy_.timeout;
  MetadataReply reply;
  for (int attempt = 1; attempt <= policy_.attempts; ++attempt) {
    if (attempt > 1 && policy_.retry_delay.count() > 0) {
      std::this_thread::sleep_for(policy_.retry_delay);
    }
    reply = MetadataReply{};
    reply.attempts = attempt;
    try {
      http::Response r = transport_.send(request);
      reply.status = r.status;
      reply.headers = std::move(r.headers);
      reply.body = std::move(r.body);
      if (!retryable_status(reply.status)) return reply;
    } catch (const Error& e) {
      reply.failure = e;
      if (!retryable_failure(e)) return reply;
    }
  }
  return reply;
}

std::string describe_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  std::string s = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  while (s.back() == '0') s.pop_back();
  return s + " s";
}

std::string error_excerpt(const MetadataReply& reply, std::string_view scrub) {
  if (reply.status < 400 || reply.body.empty()) return {};
  return excerpt(json_error_text(reply.body), {scrub});
}

}  // namespace llmauth::aws
