#pragma once
// What both chat clients do around one HTTP call to a model endpoint: custom headers (which can
// never replace the credential headers), authorization (again on every attempt, so a SigV4
// signature is fresh and a refreshed token is used), retries on throttling / 5xx / transport
// errors honouring retry-after (none on other 4xx), and one forced credential refresh plus one
// retry after a 401/403. A streamed call is retried only while nothing of its body has reached
// the sink. Internal to the library.
#include <functional>
#include <string>

#include "llmauth/core/http.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/llm/authorizer.hpp"

namespace llmauth::llm::detail {

struct CallContext {
  http::Transport& transport;
  Authorizer& authorizer;
  const http::Headers& custom_headers;
  const http::RetryPolicy& retry;
  const http::Sleeper& sleep;
};

// Returns the final response, whatever its status (the caller turns errors into ProviderError).
// Throws the transport's Error when every attempt failed in transport, or the credential's.
http::Response call_provider(const CallContext& ctx, const http::Request& request,
                             const http::BodySink* sink);

// A streamed call whose body goes to `feed`, which may throw (a decoder, a parser, the caller's
// sink). Exceptions must not cross libcurl's C callbacks: the first one is kept, the transfer
// stopped, and the exception rethrown here once the transport has returned.
http::Response call_provider_streaming(const CallContext& ctx, const http::Request& request,
                                       const std::function<void(std::string_view)>& feed);

// `j[key]` when it is a string, else "" (for optional fields of a provider's answer).
std::string string_or_empty(const json::Json& j, const char* key);

}  // namespace llmauth::llm::detail
