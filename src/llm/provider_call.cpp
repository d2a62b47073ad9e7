#include "provider_call.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include "llmauth/core/error.hpp"

namespace llmauth::llm::detail {
namespace {

void wait(const http::Sleeper& sleep, std::chrono::milliseconds d) {
  if (sleep) {
    sleep(d);
  } else if (d.count() > 0) {
    std::this_thread::sleep_for(d);
  }
}

bool transport_failure(const Error& e) {
  return e.code() == ErrorCode::kNetwork || e.code() == ErrorCode::kTimeout;
}

}  // namespace

http::Response call_provider(const CallContext& ctx, const http::Request& request,
                             const http::BodySink* sink) {
  http::Request base = request;
  for (const auto& h : ctx.custom_headers) {
    if (http::is_reserved_header(h.name)) continue;  // configs refuse them; never let one through
    std::erase_if(base.headers,
                  [&](const http::Header& x) { return http::iequals(x.name, h.name); });
    base.headers.push_back(h);
  }
  const int attempts = std::max(1, ctx.retry.max_attempts);
  bool refreshed = false;
  bool delivered = false;
  http::BodySink counting;
  if (sink != nullptr) {
    counting = [&](std::string_view chunk) {
      delivered = true;
      return (*sink)(chunk);
    };
  }
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= attempts;
    http::Request r = base;
    ctx.authorizer.authorize(r);
    std::optional<std::chrono::milliseconds> asked;
    try {
      http::Response response =
          sink != nullptr ? ctx.transport.send_streaming(r, counting) : ctx.transport.send(r);
      if ((response.status == 401 || response.status == 403) && !refreshed) {
        refreshed = true;
        // The credentials may have been revoked or rotated: fetch new ones and try once more
        // (this retry does not count against the throttling budget).
        if (ctx.authorizer.invalidate()) {
          --attempt;
          continue;
        }
      }
      if (last || !http::is_retryable_status(response.status, ctx.retry)) return response;
      asked = http::retry_after(response);
    } catch (const Error& e) {
      if (last || delivered || !ctx.retry.retry_transport_errors || !transport_failure(e)) throw;
    }
    wait(ctx.sleep,
         asked ? std::min(*asked, ctx.retry.max_delay) : http::backoff_delay(ctx.retry, attempt));
  }
}

http::Response call_provider_streaming(const CallContext& ctx, const http::Request& request,
                                       const std::function<void(std::string_view)>& feed) {
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
    response = call_provider(ctx, request, &sink);
  } catch (const Error&) {
    if (failure) std::rethrow_exception(failure);
    throw;
  }
  if (failure) std::rethrow_exception(failure);
  return response;
}

std::string string_or_empty(const json::Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                : std::string();
}

}  // namespace llmauth::llm::detail
