#include "provider_call.hpp"

#include <algorithm>
#include <exception>

#include "llmauth/core/error.hpp"

namespace llmauth::llm::detail {
namespace {

// Error codes by which AWS and Azure say "this credential is not (or no longer) valid".
constexpr std::string_view kRejectedCredentialCodes[] = {"ExpiredToken",
                                                         "ExpiredTokenException",
                                                         "InvalidSignatureException",
                                                         "UnrecognizedClientException",
                                                         "InvalidAuthenticationToken",
                                                         "InvalidClientTokenId",
                                                         "InvalidToken",
                                                         "TokenRefreshRequired"};

std::string error_code_of(const http::Response& r) {
  std::string type(r.header("x-amzn-ErrorType").value_or(""));
  if (const auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  if (!type.empty()) return type;
  const auto j = json::parse_or_discard(r.body);
  if (!j.is_object()) return {};
  if (j.contains("error") && j["error"].is_object()) return string_or_empty(j["error"], "code");
  for (const char* key : {"__type", "code", "Code"}) {
    std::string v = string_or_empty(j, key);
    if (const auto hash = v.rfind('#'); hash != std::string::npos) v.erase(0, hash + 1);
    if (!v.empty()) return v;
  }
  return {};
}

}  // namespace

bool credential_rejected(const http::Response& response) {
  if (response.status == 401) return true;
  if (response.status != 403) return false;
  const std::string code = error_code_of(response);
  return std::any_of(std::begin(kRejectedCredentialCodes), std::end(kRejectedCredentialCodes),
                     [&](std::string_view c) { return code == c; });
}

http::Response call_provider_with(const CallContext& ctx, const http::Request& request,
                                  const http::BodySink* sink, CallRecord& record) {
  http::Request base = request;
  for (const auto& h : ctx.options.headers) {
    if (http::is_reserved_header(h.name)) continue;  // configs refuse them; never let one through
    std::erase_if(base.headers,
                  [&](const http::Header& x) { return http::iequals(x.name, h.name); });
    base.headers.push_back(h);
  }
  base.sensitive.add_all(ctx.options.secret_header_values);
  base.connect_timeout = ctx.options.timeouts.connect;
  base.first_byte_timeout = ctx.options.timeouts.first_byte;
  base.timeout = sink != nullptr ? ctx.options.timeouts.stream_max : ctx.options.timeouts.total;
  if (sink != nullptr) base.idle_timeout = ctx.options.timeouts.idle;

  http::CallOptions options;
  options.retry = ctx.options.retry;
  options.deadline = ctx.options.timeouts.total;
  options.sleep = ctx.sleep;
  options.sink = sink;
  options.redactor = &record.redactor;
  options.prepare = [&](http::Request& r) {
    ctx.authorizer.authorize(r);
    record.signed_at = std::string(http::find_header(r.headers, "x-amz-date").value_or(""));
  };
  bool refreshed = false;
  options.judge = [&](const http::Response& r) {
    // The credentials may have been revoked, rotated or expired early: fetch new ones and try
    // once more (this retry does not count against the throttling budget).
    if (!refreshed && credential_rejected(r)) {
      refreshed = true;
      if (ctx.authorizer.invalidate()) return http::Verdict::kRetryAfterRefresh;
    }
    return http::is_retryable_status(r.status, ctx.options.retry) ? http::Verdict::kRetry
                                                                  : http::Verdict::kDone;
  };
  return http::call(ctx.transport, base, options);
}

http::Response call_provider(const CallContext& ctx, const http::Request& request,
                             CallRecord& record) {
  return call_provider_with(ctx, request, nullptr, record);
}

http::Response call_provider_streaming(const CallContext& ctx, const http::Request& request,
                                       const std::function<void(std::string_view)>& feed,
                                       CallRecord& record) {
  std::exception_ptr failure;
  const http::BodySink sink = [&](std::string_view chunk) {
    try {
      feed(chunk);
      return true;
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  };
  http::Response response;
  try {
    response = call_provider_with(ctx, request, &sink, record);
  } catch (const Error&) {
    if (failure) std::rethrow_exception(failure);
    throw;
  }
  if (failure) std::rethrow_exception(failure);
  return response;
}

http::Response send(const CallContext& ctx, http::Request request, CallRecord& record,
                    const std::function<void(std::string_view)>& feed) {
  request.max_response_bytes = kMaxAnswerBytes;
  return feed ? call_provider_streaming(ctx, request, feed, record)
              : call_provider(ctx, request, record);
}

std::string string_or_empty(const json::Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                : std::string();
}

}  // namespace llmauth::llm::detail
