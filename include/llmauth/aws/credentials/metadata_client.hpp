// MetadataClient: the one "ask a metadata endpoint, with a timeout and a few retries" shared by
// the container credentials provider and the instance metadata (IMDS) provider.
//
// Every attempt has the policy's timeout (connect and whole exchange), through http::call (the
// one retry engine). An attempt is retried when the endpoint answers 5xx, when it times out, or
// when the connection drops; never after a 2xx/3xx/4xx answer, a refused loopback port or the
// loopback guard's refusal. Answers are capped at 64 KiB (credentials and tokens are small).
// send() does not throw for any of these: the caller decides what an unanswered or failed
// endpoint means (IMDS: "not on EC2", so unavailable; container: configured but failing, so an
// error).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "llmauth/core/error.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"

namespace llmauth::aws {

struct MetadataPolicy {
  int attempts = 1;                          // at least 1
  std::chrono::milliseconds timeout{1000};   // per attempt
  std::chrono::milliseconds retry_delay{0};  // pause between attempts
};

// The largest answer a metadata or token endpoint may give.
inline constexpr std::size_t kMaxMetadataAnswerBytes = 64u << 10;

struct MetadataReply {
  // The last answer; 0 when no attempt got one (then `failure` says why).
  int status = 0;
  http::Headers headers;
  std::string body;
  // The last attempt's transport failure (kTimeout, kNetwork, kRefused) when status == 0.
  std::optional<Error> failure;
  int attempts = 0;
  // Every secret the request carried (its token headers, proxy credentials): for messages.
  Redactor redactor;

  [[nodiscard]] bool answered() const { return status != 0; }
  [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
  [[nodiscard]] bool timed_out() const {
    return !answered() && failure && failure->code() == ErrorCode::kTimeout;
  }
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return http::find_header(headers, name);
  }
};

class MetadataClient {
 public:
  MetadataClient(http::Transport& transport, MetadataPolicy policy);

  // Sends `request` (its timeouts are replaced by the policy's) until it gets an answer that is
  // not 5xx, or the attempts run out.
  [[nodiscard]] MetadataReply send(http::Request request) const;
  // Tests: replaces the pause between attempts.
  void set_sleeper(http::Sleeper sleep) { sleep_ = std::move(sleep); }

  [[nodiscard]] const MetadataPolicy& policy() const { return policy_; }

 private:
  http::Transport& transport_;
  MetadataPolicy policy_;
  http::Sleeper sleep_;
};

using http::describe_duration;

// A short, single-line excerpt of an error answer for a message: the "message"/"Message" (and
// "code"/"Code") of a JSON body, else the first 200 printable characters of the text. Only for
// error statuses (>= 400) — a 2xx body may carry credentials. Scrubbed of every secret the
// request carried (reply.redactor).
std::string error_excerpt(const MetadataReply& reply);

}  // namespace llmauth::aws
