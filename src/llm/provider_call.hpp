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

// Headers a custom header may not set: they carry or shape the credentials and the signature.
bool is_reserved_header(std::string_view name);

}  // namespace llmauth::llm::detail
