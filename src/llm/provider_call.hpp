#pragma once
// What both chat clients do around one HTTP call to a model endpoint, through http::call (the one
// retry engine): custom headers (which can never replace the credential headers), authorization
// (again on every attempt, so a SigV4 signature is fresh and a refreshed token is used), retries
// on throttling / 5xx / transient transport errors honouring retry-after (none on other 4xx), all
// within the call's deadline, and one forced credential refresh plus one retry when the answer
// says the credential itself was bad or expired (a 401; a 403 ExpiredToken, InvalidSignature,
// UnrecognizedClient, InvalidAuthenticationToken — not AccessDenied, which a new credential of
// the same identity would not change). A streamed call is retried only while nothing of its body
// has reached the sink. Internal to the library.
#include <functional>
#include <string>

#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/llm/authorizer.hpp"
#include "llmauth/llm/chat.hpp"

namespace llmauth::llm::detail {

struct CallContext {
  http::Transport& transport;
  Authorizer& authorizer;
  const ModelCallOptions& options;
  const http::Sleeper& sleep;
};

// An answer that is not streamed: a long completion is a few hundred KiB.
inline constexpr std::size_t kMaxAnswerBytes = 16u << 20;

// What the call sent, for the messages built from its answer: every secret of the last attempt
// (credential headers, the transport's proxy credentials) and, for a SigV4 request, the time it
// was signed at (X-Amz-Date) to tell a skewed clock.
struct CallRecord {
  Redactor redactor;
  std::string signed_at;
};

// Returns the final response, whatever its status (the caller turns errors into ProviderError).
// Throws the transport's Error when no attempt got an answer, or the credential's.
http::Response call_provider(const CallContext& ctx, const http::Request& request,
                             CallRecord& record);

// A streamed call whose body goes to `feed`, which may throw (a decoder, a parser, the caller's
// sink). Exceptions must not cross libcurl's C callbacks: the first one is kept, the transfer
// stopped, and the exception rethrown here once the transport has returned. `record` is filled
// before the body reaches `feed`.
http::Response call_provider_streaming(const CallContext& ctx, const http::Request& request,
                                       const std::function<void(std::string_view)>& feed,
                                       CallRecord& record);

// Whether an answer says the credential itself was rejected (bad, expired, unknown), so that a
// fresh one may succeed: 401, or a 403 whose error code says so.
bool credential_rejected(const http::Response& response);

// One model call: call_provider, or call_provider_streaming when `feed` is given; the answer is
// capped at kMaxAnswerBytes.
http::Response send(const CallContext& ctx, http::Request request, CallRecord& record,
                    const std::function<void(std::string_view)>& feed = {});

// `j[key]` when it is a string, else "" (for optional fields of a provider's answer).
std::string string_or_empty(const json::Json& j, const char* key);

}  // namespace llmauth::llm::detail
