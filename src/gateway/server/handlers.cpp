#include "handlers.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "llmauth/aws/clock_skew.hpp"
#include "llmauth/aws/event_stream.hpp"
#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/retry.hpp"
#include "llmauth/core/split.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"
#include "llmauth/gateway/openai_converse.hpp"
#include "llmauth/gateway/openai_converse_stream.hpp"
#include "llmauth/gateway/usage_scan.hpp"

namespace llmauth::gateway::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t kMaxAnswerBytes = 16u << 20;
constexpr std::size_t kMaxErrorBytes = 1u << 20;

// ---- small things ------------------------------------------------------------------------------

std::string header(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  const auto it = r.find(boost::beast::string_view(name.data(), name.size()));
  return it == r.end() ? std::string() : std::string(it->value());
}

double seconds_since(steady_clock::time_point t) {
  return std::chrono::duration<double>(steady_clock::now() - t).count();
}

// A client's x-request-id when it is a sane token, else a new one.
std::string request_id_of(const bhttp::request<bhttp::string_body>& r) {
  std::string id = header(r, "x-request-id");
  const bool ok = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
  if (ok) return id;
  // Unique, not secret: a per-thread splitmix64 seeded once from the OS (RAND_bytes on every
  // request cost a getpid() and a lock).
  thread_local std::uint64_t state = [] {
    const std::string seed = crypto::random_bytes(8);
    std::uint64_t v = 0;
    std::memcpy(&v, seed.data(), sizeof v);
    return v;
  }();
  auto next = [] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  const std::uint64_t words[2] = {next(), next()};
  return crypto::hex(reinterpret_cast<const std::uint8_t*>(words), 12);
}

// The gateway key a client presented: `Authorization: Bearer <key>` or `api-key: <key>`.
std::string presented_key(const bhttp::request<bhttp::string_body>& r) {
  const std::string auth = header(r, "authorization");
  if (auth.size() > 7 && http::iequals(auth.substr(0, 7), "Bearer ")) return auth.substr(7);
  return header(r, "api-key");
}

// Headers a client sends that never go upstream: its own credentials, hop-by-hop and framing
// headers, and everything AWS signs or a proxy adds.
bool dropped_client_header(std::string_view name) {
  static constexpr std::string_view kDropped[] = {
      "authorization",     "api-key",    "proxy-authorization", "host",   "content-length",
      "transfer-encoding", "connection", "keep-alive",          "te",     "trailer",
      "upgrade",           "cookie",     "x-request-id",        "expect", "accept-encoding"};
  for (auto d : kDropped) {
    if (http::iequals(name, d)) return true;
  }
  return (name.size() >= 6 && http::iequals(name.substr(0, 6), "x-amz-")) ||
         (name.size() >= 12 && http::iequals(name.substr(0, 12), "x-forwarded-")) ||
         (name.size() >= 6 && http::iequals(name.substr(0, 6), "proxy-"));
}

// The client's headers that go on upstream (content type, accept, x-ms-*, x-amzn-bedrock-*…).
http::Headers client_headers(const bhttp::request<bhttp::string_body>& r) {
  http::Headers out;
  for (const auto& f : r) {
    const std::string_view name(f.name_string().data(), f.name_string().size());
    if (dropped_client_header(name)) continue;
    out.push_back({std::string(name), std::string(f.value())});
  }
  return out;
}

// Headers of an upstream answer passed on to the client.
bool relayed_upstream_header(std::string_view name) {
  static constexpr std::string_view kRelayed[] = {"content-type",
                                                  "retry-after",
                                                  "retry-after-ms",
                                                  "x-ms-retry-after-ms",
                                                  "apim-request-id",
                                                  "x-amzn-requestid",
                                                  "x-amzn-errortype",
                                                  "x-amzn-bedrock-input-token-count",
                                                  "x-amzn-bedrock-output-token-count",
                                                  "x-amzn-bedrock-invocation-latency"};
  for (auto r : kRelayed) {
    if (http::iequals(name, r)) return true;
  }
  return name.size() > 12 && http::iequals(name.substr(0, 12), "x-ratelimit-");
}

bhttp::response<bhttp::string_body> json_response(int status, const json::Json& body,
                                                  const std::string& request_id) {
  bhttp::response<bhttp::string_body> r{static_cast<bhttp::status>(status), 11};
  r.set(bhttp::field::content_type, "application/json");
  if (!request_id.empty()) r.set("x-request-id", request_id);
  r.body() = body.dump();
  r.prepare_payload();
  return r;
}

json::Json error_body(const std::string& message, const std::string& type,
                      const std::string& param = {}, const std::string& code = {}) {
  return {{"error",
           {{"message", message},
            {"type", type},
            {"param", param.empty() ? json::Json(nullptr) : json::Json(param)},
            {"code", code.empty() ? json::Json(nullptr) : json::Json(code)}}}};
}

// Why a request ended as it did, for the access log and metrics.
struct Outcome {
  std::string provider;
  std::string model;
  std::string key_name;
  int status = 0;
  int upstream_status = 0;
  std::optional<double> ttft;
  long long prompt_tokens = -1;
  long long completion_tokens = -1;
  std::string error;
  bool stream = false;
};

// Thrown inside a handler: answer with this status and OpenAI-shaped error.
struct Refusal {
  int status;
  std::string message;
  std::string type;
  std::string param;
  std::string code;
  std::string retry_after;  // passed on for a 429
};

Refusal refusal_for_key(KeyVerdict v) {
  switch (v) {
    case KeyVerdict::kMissing:
      return {401, "No gateway key: send 'Authorization: Bearer <key>' (or 'api-key: <key>').",
              "authentication_error", "", "missing_api_key"};
    case KeyVerdict::kUnknown:
      return {401, "The gateway key is not valid.", "authentication_error", "", "invalid_api_key"};
    case KeyVerdict::kExpired:
      return {401, "The gateway key has expired; ask for a new one.", "authentication_error", "",
              "expired_api_key"};
    case KeyVerdict::kRevoked:
      return {401, "The gateway key was revoked.", "authentication_error", "", "revoked_api_key"};
    case KeyVerdict::kProviderDenied:
      return {403, "The gateway key may not use this provider.", "permission_error", "",
              "provider_not_allowed"};
    case KeyVerdict::kModelDenied:
      return {403, "The gateway key may not use this model.", "permission_error", "model",
              "model_not_allowed"};
    case KeyVerdict::kAccepted:
      break;
  }
  return {500, "unexpected key verdict", "api_error", "", ""};
}

// ---- the per-request context --------------------------------------------------------------

struct Call {
  ClientStream& client;
  bhttp::request<bhttp::string_body>& request;
  Shared& shared;
  UpstreamPool& pool;
  std::shared_ptr<const Runtime> runtime;
  std::string request_id;
  steady_clock::time_point started = steady_clock::now();
  Outcome outcome;
  const GatewayKey* key = nullptr;
};

// Checks the presented key for `provider`/`model`; throws a Refusal.
void authorize_client(Call& call, const std::string& provider, const std::string& model) {
  if (!call.shared.keys_required) return;
  const auto verdict = call.runtime->keys().check(presented_key(call.request), provider, model,
                                                  call.shared.ambient.now(), &call.key);
  if (call.key != nullptr) call.outcome.key_name = call.key->name;
  if (verdict != KeyVerdict::kAccepted) throw refusal_for_key(verdict);
}

// Just the presence and validity of a key (routes not tied to one provider: /v1/models).
void authorize_any(Call& call) {
  if (!call.shared.keys_required) return;
  const std::string presented = presented_key(call.request);
  if (presented.empty()) throw refusal_for_key(KeyVerdict::kMissing);
  call.key = call.runtime->keys().find(presented);
  if (call.key == nullptr) throw refusal_for_key(KeyVerdict::kUnknown);
  call.outcome.key_name = call.key->name;
  const auto now = call.shared.ambient.now();
  if (call.key->revoked_at && *call.key->revoked_at <= now)
    throw refusal_for_key(KeyVerdict::kRevoked);
  if (call.key->expires_at && *call.key->expires_at <= now)
    throw refusal_for_key(KeyVerdict::kExpired);
}

// The provider's current credential; waits (without blocking the io thread) for a fetch when
// none is valid.
Task<std::shared_ptr<const llm::Credential>> credential_for(Call& call, const ProviderRuntime& p) {
  auto& clock = call.shared.ambient.clock();
  if (auto c = p.credential->current(clock.now())) co_return c;
  auto executor = co_await net::this_coro::executor;
  auto timer = std::make_shared<net::steady_timer>(executor, call.shared.options.credential_wait);
  p.credential->when_fetched(
      [timer, executor] { net::post(executor, [timer] { timer->cancel(); }); });
  beast::error_code ec;
  co_await timer->async_wait(net::redirect_error(net::use_awaitable, ec));
  if (auto c = p.credential->current(clock.now())) co_return c;
  const std::string why = p.credential->last_error();
  throw Refusal{502,
                "The gateway has no valid credential for provider '" + p.config.name + "': " +
                    (why.empty() ? "none arrived within " +
                                       http::describe_duration(call.shared.options.credential_wait)
                                 : why),
                "api_error", "", "credential_unavailable"};
}

// Our http::Request (what authorizers apply to) for an upstream URL.
http::Request upstream_request(const ProviderRuntime& p, std::string method, std::string url,
                               std::string body, const http::Headers& headers) {
  http::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = headers;
  for (const auto& h : p.call.headers) {
    if (!http::is_reserved_header(h.name)) r.headers.push_back(h);
  }
  return r;
}

// Our request as a Beast message, after the credential was applied.
bhttp::request<bhttp::string_body> to_beast(http::Request& r, const SplitUrl& where) {
  bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(r.method), where.target, 11};
  bool has_host = false;
  for (const auto& h : r.headers) {
    has_host |= http::iequals(h.name, "host");
    out.insert(beast::string_view(h.name), beast::string_view(h.value));
  }
  if (!has_host) out.set(bhttp::field::host, where.host_header);
  out.keep_alive(true);
  out.body() = std::move(r.body);
  out.prepare_payload();
  return out;
}

struct Upstream {
  std::unique_ptr<UpstreamExchange> exchange;
  // What the sent request carried, for the messages built from an error answer. The Redactor is
  // made only then: most answers are not errors.
  std::shared_ptr<const llm::Credential> credential;
  const Redactor* header_secrets = nullptr;  // the provider's secret custom header values
  std::string signed_at;
  mutable std::optional<Redactor> redactor_;
  [[nodiscard]] const Redactor& redactor() const {
    if (!redactor_) {
      redactor_.emplace();
      if (credential) {
        redactor_->add(credential->secret);
        if (credential->aws) {
          redactor_->add(credential->aws->secret_access_key);
          redactor_->add(credential->aws->session_token);
        }
      }
      if (header_secrets != nullptr) redactor_->add_all(*header_secrets);
    }
    return *redactor_;
  }
};

bool credential_refused(int status, const bhttp::response_header<>& h) {
  if (status == 401) return true;
  if (status != 403) return false;
  const auto it = h.find("x-amzn-ErrorType");
  if (it == h.end()) return false;
  const std::string type(it->value());
  for (const char* code : {"ExpiredTokenException", "InvalidSignatureException",
                           "UnrecognizedClientException", "InvalidClientTokenId"}) {
    if (type.rfind(code, 0) == 0) return true;
  }
  return false;
}

// Sends a request to the provider with its credential, retrying (within the provider's
// deadline) connection failures, 408/429/5xx and — once, after a fresh credential — a refused
// credential. Returns the exchange with the answer's head read.
Task<Upstream> send_upstream(Call& call, const ProviderRuntime& p, const std::string& method,
                             const std::string& url, const std::string& body,
                             const http::Headers& headers) {
  const auto& t = p.call.timeouts;
  const auto deadline = steady_clock::now() + t.total;
  const SplitUrl where = split_url(url);
  const int max_attempts = std::max(1, p.call.retry.max_attempts);
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    auto credential = co_await credential_for(call, p);
    http::Request r = upstream_request(p, method, url, body, headers);
    try {
      p.credential->authorizer().apply(*credential, r, call.shared.ambient.now());
    } catch (const Error& e) {
      throw Refusal{502, sanitize_untrusted(e.what(), 500), "api_error", "", "credential_expired"};
    }
    Upstream up;
    up.credential = credential;
    up.header_secrets = &p.call.secret_header_values;
    up.signed_at = std::string(http::find_header(r.headers, "x-amz-date").value_or(""));
    auto message = to_beast(r, where);
    up.exchange = std::make_unique<UpstreamExchange>(call.pool, where.origin);
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    std::optional<UpstreamError> failure;
    try {
      co_await up.exchange->start(
          message, std::min(t.connect, std::max(left, milliseconds(1))),
          std::max(std::min(t.first_byte.value_or(left), left), milliseconds(1)));
    } catch (const UpstreamError& e) {
      failure = e;
    }
    std::optional<milliseconds> wait;
    if (failure) {
      const bool transient = failure->kind() == UpstreamError::Kind::kConnect ||
                             failure->kind() == UpstreamError::Kind::kProtocol;
      call.shared.metrics.add(
          "llmauth_upstream_errors_total",
          {{"provider", p.config.name}, {"class", std::string(failure->class_name())}});
      if (!transient || attempt >= max_attempts) throw *failure;
      wait = http::backoff_delay(p.call.retry, attempt);
    } else {
      const int status = up.exchange->status();
      call.outcome.upstream_status = status;
      if (credential_refused(status, up.exchange->head()) && !refreshed &&
          p.credential->authorizer().lifetime().renewed) {
        refreshed = true;
        p.credential->invalidate();
        --attempt;
        continue;
      }
      const bool retryable = status == 408 || status == 429 || status >= 500;
      if (!retryable || attempt >= max_attempts) co_return up;
      http::Response head_only;
      head_only.status = status;
      for (const auto& f : up.exchange->head()) {
        head_only.headers.push_back({std::string(f.name_string()), std::string(f.value())});
      }
      const auto asked = http::retry_after(head_only);
      wait = asked ? std::min(*asked, p.call.retry.max_delay)
                   : http::backoff_delay(p.call.retry, attempt);
      if (*wait >= std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now())) {
        co_return up;  // no time for another try: this answer stands
      }
      call.shared.metrics.add(
          "llmauth_upstream_errors_total",
          {{"provider", p.config.name}, {"class", "http_" + std::to_string(status)}});
    }
    if (*wait >= std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now())) {
      if (failure) throw *failure;
    }
    net::steady_timer timer(co_await net::this_coro::executor, *wait);
    co_await timer.async_wait(net::use_awaitable);
  }
}

// An upstream error answer as the client's error: the upstream's own message (scrubbed),
// status mapped: credential refused → 502, throttling → 429 (retry-after passed on), 5xx → 502.
Refusal refusal_from_upstream(const ProviderRuntime& p, int status, const std::string& body,
                              const bhttp::response_header<>& head, const Upstream& up) {
  std::string code;
  std::string message;
  const auto j = json::parse_or_discard(body);
  if (j.is_object()) {
    if (j.contains("error") && j["error"].is_object()) {
      const auto& e = j["error"];
      if (e.contains("message") && e["message"].is_string())
        message = e["message"].get<std::string>();
      if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    }
    for (const char* k : {"message", "Message"}) {
      if (message.empty() && j.contains(k) && j[k].is_string()) message = j[k].get<std::string>();
    }
  }
  if (const auto it = head.find("x-amzn-ErrorType"); it != head.end()) {
    code = std::string(it->value());
    if (const auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  }
  if (message.empty()) message = body;
  std::string text = up.redactor().scrub(message, 500);
  const std::string shown_code = up.redactor().scrub(code, 80);
  Refusal r{status, "", "api_error", "", shown_code, ""};
  const std::string who = p.type == "aws_bedrock" ? "Bedrock" : "Azure OpenAI";
  if (status == 401 || (status == 403 && credential_refused(status, head))) {
    r.status = 502;
    r.message = who + " refused the gateway's credential for provider '" + p.config.name +
                "' (HTTP " + std::to_string(status) + "): " + text;
  } else if (status == 403) {
    r.status = 403;
    r.type = "permission_error";
    r.message = who + " denied the call (HTTP 403): " + text;
  } else if (status == 429) {
    r.type = "rate_limit_error";
    r.message = who + " is throttling: " + text;
    for (const char* h : {"retry-after", "retry-after-ms", "x-ms-retry-after-ms"}) {
      if (const auto it = head.find(h); it != head.end()) {
        const std::string v(it->value());
        r.retry_after = std::string(h) == "retry-after"
                            ? v
                            : std::to_string((std::atoi(v.c_str()) + 999) / 1000);
        break;
      }
    }
  } else if (status >= 500) {
    r.status = 502;
    r.message = who + " failed (HTTP " + std::to_string(status) + "): " + text;
  } else {
    r.type = "invalid_request_error";
    r.message = who + ": " + text;
  }
  if (p.type == "aws_bedrock") {
    const auto date = head.find(bhttp::field::date);
    if (auto skew = aws::clock_skew_hint(message, up.signed_at,
                                         date == head.end()
                                             ? std::nullopt
                                             : std::optional<std::string_view>(std::string_view(
                                                   date->value().data(), date->value().size())))) {
      r.message += " (" + *skew + ")";
    }
  }
  return r;
}

Task<void> write_refusal(Call& call, const Refusal& r) {
  call.outcome.status = r.status;
  call.outcome.error = r.message;
  auto response =
      json_response(r.status, error_body(r.message, r.type, r.param, r.code), call.request_id);
  if (!r.retry_after.empty()) response.set(bhttp::field::retry_after, r.retry_after);
  co_await call.client.write(response);
}

std::int64_t epoch_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void count_tokens(Call& call, const json::Json& usage) {
  if (!usage.is_object()) return;
  if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number_integer()) {
    call.outcome.prompt_tokens = usage["prompt_tokens"].get<long long>();
  }
  if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number_integer()) {
    call.outcome.completion_tokens = usage["completion_tokens"].get<long long>();
  }
}

bhttp::response<bhttp::empty_body> stream_head(const std::string& request_id,
                                               const std::string& content_type) {
  bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
  head.set(bhttp::field::content_type, content_type);
  head.set(bhttp::field::cache_control, "no-cache");
  head.set("x-request-id", request_id);
  head.chunked(true);
  return head;
}

// ---- POST /v1/chat/completions --------------------------------------------------------------

Task<void> chat_completions(Call& call) {
  json::Json body;
  try {
    body = json::parse(call.request.body(), "request body");
  } catch (const Error& e) {
    throw Refusal{400, std::string(e.what()) + "; send a JSON object", "invalid_request_error", "",
                  "invalid_json"};
  }
  if (!body.is_object()) {
    throw Refusal{400, "The request body must be a JSON object.", "invalid_request_error", "", ""};
  }
  if (!body.contains("model") || !body["model"].is_string() ||
      body["model"].get_ref<const std::string&>().empty()) {
    throw Refusal{400,
                  "'model' is required: 'provider/model' or a model name of the gateway "
                  "(GET /v1/models lists them).",
                  "invalid_request_error", "model", "missing_model"};
  }
  const std::string model = body["model"].get<std::string>();
  call.outcome.model = model;
  bool stream = false;
  if (body.contains("stream") && !body["stream"].is_null()) {
    if (!body["stream"].is_boolean()) {
      throw Refusal{400, "'stream' must be true or false.", "invalid_request_error", "stream", ""};
    }
    stream = body["stream"].get<bool>();
  }
  call.outcome.stream = stream;
  const auto route = call.runtime->route(model);
  if (!route) {
    throw Refusal{404,
                  "The model '" + sanitize_untrusted(model, 200) +
                      "' does not exist on this gateway; use 'provider/model' or one of "
                      "GET /v1/models.",
                  "invalid_request_error", "model", "model_not_found"};
  }
  const ProviderRuntime& p = *route->provider;
  call.outcome.provider = p.config.name;
  authorize_client(call, p.config.name, model);

  const auto created = epoch_seconds(call.shared.ambient.now());
  if (p.type == "azure_openai") {
    const auto& azure = std::get<config::AzureOpenAI>(p.config.spec);
    std::string url;
    json::Json& upstream_body = body;  // (edited in place: `model` was copied above)
    if (azure.api == config::AzureOpenAI::Api::kV1) {
      url = p.endpoint + "/openai/v1/chat/completions" +
            (azure.api_version.empty() ? "" : "?api-version=" + url::encode(azure.api_version));
      upstream_body["model"] = route->model;
    } else {
      url = p.endpoint + "/openai/deployments/" + url::encode(route->model) +
            "/chat/completions?api-version=" + url::encode(azure.api_version);
      upstream_body.erase("model");
    }
    // (Named, not a braced temporary: GCC 12 cannot keep an initializer list across co_await.)
    const http::Headers headers = {{"Content-Type", "application/json"},
                                   {"Accept", stream ? "text/event-stream" : "application/json"}};
    Upstream up = co_await send_upstream(call, p, "POST", url, upstream_body.dump(), headers);
    const int status = up.exchange->status();
    if (status < 200 || status >= 300) {
      const std::string err = co_await up.exchange->read_all(kMaxErrorBytes, p.call.timeouts.total);
      throw refusal_from_upstream(p, status, err, up.exchange->head(), up);
    }
    if (!stream) {
      std::string answer = co_await up.exchange->read_all(kMaxAnswerBytes, p.call.timeouts.total);
      call.outcome.ttft = seconds_since(call.started);
      const TokenUsage usage = scan_usage(answer);  // (the answer goes out as it came)
      if (usage.prompt_tokens >= 0) call.outcome.prompt_tokens = usage.prompt_tokens;
      if (usage.completion_tokens >= 0) call.outcome.completion_tokens = usage.completion_tokens;
      bhttp::response<bhttp::string_body> r{bhttp::status::ok, 11};
      r.set(bhttp::field::content_type, "application/json");
      r.set("x-request-id", call.request_id);
      r.body() = std::move(answer);
      r.prepare_payload();
      call.outcome.status = 200;
      co_await call.client.write(r);
      co_return;
    }
    // SSE relayed as it comes, piece by piece (backpressure: the next read waits for the write).
    auto head = stream_head(call.request_id, "text/event-stream");
    co_await call.client.write_head(head);
    call.outcome.status = 200;
    call.shared.open_streams.fetch_add(1);
    struct Close {
      Shared& s;
      ~Close() { s.open_streams.fetch_sub(1); }
    } close{call.shared};
    std::string piece;
    std::string failure;  // (no co_await inside a catch handler)
    try {
      for (;;) {
        piece.clear();
        const bool more = co_await up.exchange->read_some(piece, p.call.timeouts.idle);
        if (!piece.empty()) {
          if (!call.outcome.ttft) call.outcome.ttft = seconds_since(call.started);
          co_await call.client.write_chunk(piece);
        }
        if (!more) break;
      }
    } catch (const UpstreamError& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      // Mid-stream: an OpenAI error event, not a cut connection.
      call.outcome.error = failure;
      co_await call.client.write_chunk(
          "data: " +
          error_body(up.redactor().scrub(failure, 300), "api_error", "", "upstream_error").dump() +
          "\n\n");
    }
    co_await call.client.write_end();
    co_return;
  }

  // Bedrock: translated to Converse / ConverseStream.
  ConverseCall converse;
  try {
    converse = openai_to_converse(body);
  } catch (const ApiError& e) {
    throw Refusal{e.status(), e.what(), e.type(), e.param(), e.code()};
  }
  const std::string url = p.endpoint + "/model/" + url::encode(route->model) +
                          (stream ? "/converse-stream" : "/converse");
  const http::Headers headers = {
      {"Content-Type", "application/json"},
      {"Accept", stream ? "application/vnd.amazon.eventstream" : "application/json"}};
  Upstream up = co_await send_upstream(call, p, "POST", url, converse.body.dump(), headers);
  const int status = up.exchange->status();
  if (status < 200 || status >= 300) {
    const std::string err = co_await up.exchange->read_all(kMaxErrorBytes, p.call.timeouts.total);
    throw refusal_from_upstream(p, status, err, up.exchange->head(), up);
  }
  const std::string upstream_id = [&] {
    const auto it = up.exchange->head().find("x-amzn-RequestId");
    return it == up.exchange->head().end() ? call.request_id : std::string(it->value());
  }();
  if (!stream) {
    const std::string answer =
        co_await up.exchange->read_all(kMaxAnswerBytes, p.call.timeouts.total);
    call.outcome.ttft = seconds_since(call.started);
    json::Json converse_answer;
    try {
      converse_answer = json::parse(answer, "Bedrock Converse answer");
    } catch (const Error& e) {
      throw Refusal{502, std::string(e.what()), "api_error", "", "bad_upstream_answer"};
    }
    const json::Json out = converse_to_openai(converse_answer, upstream_id, model, created);
    if (out.contains("usage")) count_tokens(call, out["usage"]);
    call.outcome.status = 200;
    auto r = json_response(200, out, call.request_id);
    co_await call.client.write(r);
    co_return;
  }
  auto head = stream_head(call.request_id, "text/event-stream");
  co_await call.client.write_head(head);
  call.outcome.status = 200;
  call.shared.open_streams.fetch_add(1);
  struct Close {
    Shared& s;
    ~Close() { s.open_streams.fetch_sub(1); }
  } close{call.shared};
  ConverseStreamTranslator translator(upstream_id, model, created, converse.include_usage);
  aws::eventstream::Decoder decoder;
  std::string piece;
  std::string out;
  bool failed = false;
  std::string failure;  // (no co_await inside a catch handler)
  std::string failure_kind;
  try {
    for (;;) {
      piece.clear();
      const bool more = co_await up.exchange->read_some(piece, p.call.timeouts.idle);
      out.clear();
      decoder.feed(piece, [&](aws::eventstream::Message&& m) {
        const auto kind = m.string_header(":message-type").value_or("event");
        if (kind == "exception" || kind == "error") {
          const std::string type(kind == "exception"
                                     ? m.string_header(":exception-type").value_or("exception")
                                     : m.string_header(":error-code").value_or("error"));
          const auto payload = json::parse_or_discard(m.payload);
          std::string text =
              payload.is_object() && payload.contains("message") && payload["message"].is_string()
                  ? payload["message"].get<std::string>()
                  : std::string(m.string_header(":error-message").value_or(""));
          translator.on_exception(type, up.redactor().scrub(text, 300), out);
          call.outcome.error = up.redactor().scrub(type + ": " + text, 300);
          failed = true;
          return;
        }
        const std::string type(m.string_header(":event-type").value_or(""));
        translator.on_event(type, json::parse(m.payload, "ConverseStream event " + type), out);
      });
      if (!out.empty()) {
        if (!call.outcome.ttft) call.outcome.ttft = seconds_since(call.started);
        co_await call.client.write_chunk(out);
      }
      if (failed || !more) break;
    }
    if (!failed) {
      decoder.finish();
      out.clear();
      translator.finish(out);
    }
  } catch (const UpstreamError& e) {
    failure = e.what();
    failure_kind = "upstream_error";
  } catch (const Error& e) {
    failure = e.what();
    failure_kind = "bad_upstream_answer";
  }
  if (!failure.empty()) {
    call.outcome.error = failure;
    out.clear();
    translator.on_exception(failure_kind, up.redactor().scrub(failure, 300), out);
  }
  if (!failed && !out.empty()) co_await call.client.write_chunk(out);
  co_await call.client.write_end();
}

// ---- GET /v1/models ----------------------------------------------------------------------------

Task<void> list_models(Call& call) {
  authorize_any(call);
  json::Json data = json::Json::array();
  const auto created = epoch_seconds(call.shared.ambient.now());
  auto allowed = [&](const std::string& provider, const std::string& model) {
    if (call.key == nullptr) return true;
    return call.runtime->keys().check(presented_key(call.request), provider, model,
                                      call.shared.ambient.now()) == KeyVerdict::kAccepted;
  };
  for (const auto& a : call.runtime->aliases()) {
    if (!allowed(a.provider, a.name)) continue;
    data.push_back(
        {{"id", a.name}, {"object", "model"}, {"created", created}, {"owned_by", a.provider}});
  }
  for (const auto& p : call.runtime->providers()) {
    if (p->default_model.empty()) continue;
    const std::string id = p->config.name + "/" + p->default_model;
    if (!allowed(p->config.name, id)) continue;
    data.push_back(
        {{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", p->config.name}});
  }
  call.outcome.status = 200;
  auto r = json_response(200, {{"object", "list"}, {"data", data}}, call.request_id);
  co_await call.client.write(r);
}

// ---- native passthrough ----------------------------------------------------------------------

Task<void> relay(Call& call, const ProviderRuntime& p, Upstream& up) {
  const int status = up.exchange->status();
  bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(status), 11};
  for (const auto& f : up.exchange->head()) {
    if (relayed_upstream_header(std::string_view(f.name_string().data(), f.name_string().size()))) {
      head.insert(f.name_string(), f.value());
    }
  }
  head.set("x-request-id", call.request_id);
  head.chunked(true);
  call.outcome.status = status;
  co_await call.client.write_head(head);
  std::string piece;
  try {
    for (;;) {
      piece.clear();
      const bool more = co_await up.exchange->read_some(piece, p.call.timeouts.idle);
      if (!piece.empty()) {
        if (!call.outcome.ttft) call.outcome.ttft = seconds_since(call.started);
        co_await call.client.write_chunk(piece);
      }
      if (!more) break;
    }
  } catch (const UpstreamError& e) {
    // The head is out: all that is left is to end the answer early (the client sees a
    // truncated body, as it would from the service itself).
    call.outcome.error = e.what();
  }
  co_await call.client.write_end();
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (auto part : split(path, '/')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

Task<void> azure_passthrough(Call& call, std::string_view target) {
  // /azure/{provider}/openai/...
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q);
  const auto parts = path_segments(path);
  if (parts.size() < 3 || parts[2] != "openai") {
    throw Refusal{404, "Use /azure/{provider}/openai/… (the Azure OpenAI paths).",
                  "invalid_request_error", "", "not_found"};
  }
  const std::string provider_name = url::decode(parts[1]);
  const ProviderRuntime* p = call.runtime->provider(provider_name);
  if (p == nullptr || p->type != "azure_openai") {
    throw Refusal{404, "No Azure OpenAI provider '" + sanitize_untrusted(provider_name, 64) + "'.",
                  "invalid_request_error", "", "provider_not_found"};
  }
  call.outcome.provider = p->config.name;
  // The model: the deployment in the path, else the body's "model".
  std::string model;
  if (parts.size() >= 5 && parts[3] == "deployments") model = url::decode(parts[4]);
  if (model.empty()) {
    const auto j = json::parse_or_discard(call.request.body());
    if (j.is_object() && j.contains("model") && j["model"].is_string())
      model = j["model"].get<std::string>();
  }
  call.outcome.model = model;
  authorize_client(call, p->config.name, model);
  const std::string rest(path.substr(path.find("/openai")));
  const std::string url = p->endpoint + rest + std::string(query);
  const http::Headers headers = client_headers(call.request);
  Upstream up = co_await send_upstream(call, *p, std::string(call.request.method_string()), url,
                                       call.request.body(), headers);
  co_await relay(call, *p, up);
}

constexpr std::string_view kBedrockActions[] = {"converse", "converse-stream", "invoke",
                                                "invoke-with-response-stream"};

Task<void> bedrock_passthrough(Call& call, std::string_view target) {
  // /bedrock/{provider}/model/{modelId}/{action}
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const auto parts = path_segments(path);
  if (parts.size() != 5 || parts[2] != "model" ||
      std::find(std::begin(kBedrockActions), std::end(kBedrockActions), parts[4]) ==
          std::end(kBedrockActions)) {
    throw Refusal{404,
                  "Use /bedrock/{provider}/model/{modelId}/{converse|converse-stream|invoke|"
                  "invoke-with-response-stream}.",
                  "invalid_request_error", "", "not_found"};
  }
  const std::string provider_name = url::decode(parts[1]);
  const ProviderRuntime* p = call.runtime->provider(provider_name);
  if (p == nullptr || p->type != "aws_bedrock") {
    throw Refusal{404, "No Bedrock provider '" + sanitize_untrusted(provider_name, 64) + "'.",
                  "invalid_request_error", "", "provider_not_found"};
  }
  call.outcome.provider = p->config.name;
  const std::string model = url::decode(parts[3]);
  call.outcome.model = model;
  authorize_client(call, p->config.name, model);
  const std::string url =
      p->endpoint + "/model/" + url::encode(model) + "/" + std::string(parts[4]);
  const http::Headers headers = client_headers(call.request);
  Upstream up = co_await send_upstream(call, *p, "POST", url, call.request.body(), headers);
  co_await relay(call, *p, up);
}

// ---- operations --------------------------------------------------------------------------------

Task<void> readyz(Call& call) {
  json::Json providers = json::Json::object();
  bool ready = true;
  const auto now = call.shared.ambient.now();
  for (const auto& p : call.runtime->providers()) {
    const auto s = p->credential->status();
    json::Json entry = {{"type", p->type},
                        {"auth", std::string(p->config.auth_type())},
                        {"credential", s.state},
                        {"source", s.source},
                        {"renewed", s.renewable}};
    if (s.expires_at) {
      entry["expires_at"] = timefmt::format_iso8601(*s.expires_at);
      entry["expires_in_seconds"] =
          std::chrono::duration_cast<std::chrono::seconds>(*s.expires_at - now).count();
    }
    if (!s.last_error.empty()) entry["last_error"] = s.last_error;
    if (s.state == "failed" || s.state == "pending") ready = false;
    providers[p->config.name] = std::move(entry);
  }
  const int status = ready && !call.shared.draining ? 200 : 503;
  call.outcome.status = status;
  auto r = json_response(status,
                         {{"status", call.shared.draining ? "draining"
                                     : ready              ? "ready"
                                                          : "not ready"},
                          {"providers", providers}},
                         call.request_id);
  co_await call.client.write(r);
}

std::string scrape_gauges(const Shared& s, const Runtime& rt) {
  std::string out =
      "# HELP llmauth_credential_expiry_seconds Seconds until each provider's credential expires.\n"
      "# TYPE llmauth_credential_expiry_seconds gauge\n";
  const auto now = s.ambient.now();
  for (const auto& p : rt.providers()) {
    const auto st = p->credential->status();
    if (!st.expires_at) continue;
    out += "llmauth_credential_expiry_seconds{provider=\"" + escape_label(p->config.name) + "\"} " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::seconds>(*st.expires_at - now).count()) +
           "\n";
  }
  out +=
      "# HELP llmauth_open_streams Streams being relayed now.\n# TYPE llmauth_open_streams gauge\n";
  out += "llmauth_open_streams " + std::to_string(s.open_streams.load()) + "\n";
  out +=
      "# HELP llmauth_open_connections Client connections open now.\n"
      "# TYPE llmauth_open_connections gauge\n";
  out += "llmauth_open_connections " + std::to_string(s.open_connections.load()) + "\n";
  return out;
}

Task<void> metrics(Call& call) {
  bhttp::response<bhttp::string_body> r{bhttp::status::ok, 11};
  r.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r.body() = call.shared.metrics.text(scrape_gauges(call.shared, *call.runtime));
  r.prepare_payload();
  call.outcome.status = 200;
  co_await call.client.write(r);
}

void record(Call& call) {
  auto& m = call.shared.metrics;
  const double latency = seconds_since(call.started);
  const std::string provider = call.outcome.provider.empty() ? "-" : call.outcome.provider;
  // The model label only once a provider was found: an unknown model is a client's string.
  m.add("llmauth_requests_total",
        {{"provider", provider},
         {"model",
          call.outcome.provider.empty() || call.outcome.model.empty() ? "-" : call.outcome.model},
         {"status", std::to_string(call.outcome.status)}});
  m.observe("llmauth_request_duration_seconds", {{"provider", provider}}, latency);
  if (call.outcome.ttft)
    m.observe("llmauth_time_to_first_token_seconds", {{"provider", provider}}, *call.outcome.ttft);
  if (call.outcome.prompt_tokens >= 0) {
    m.add("llmauth_tokens_total", {{"provider", provider}, {"kind", "prompt"}},
          static_cast<double>(call.outcome.prompt_tokens));
  }
  if (call.outcome.completion_tokens >= 0) {
    m.add("llmauth_tokens_total", {{"provider", provider}, {"kind", "completion"}},
          static_cast<double>(call.outcome.completion_tokens));
  }
  // Written field by field, not through a json::Json tree: this runs once per request.
  std::string line;
  line.reserve(320);
  const auto str = [&line](std::string_view key, std::string_view value) {
    line += line.empty() ? "{\"" : ",\"";
    line += key;
    line += "\":";
    json::append_quoted(line, value);
  };
  const auto num = [&line](std::string_view key, long long value) {
    line += ",\"";
    line += key;
    line += "\":";
    line += std::to_string(value);
  };
  str("ts", timefmt::format_iso8601(call.shared.ambient.now()));
  str("type", "access");
  str("request_id", call.request_id);
  str("method",
      std::string_view(call.request.method_string().data(), call.request.method_string().size()));
  str("path", http::loggable_url(
                  std::string_view(call.request.target().data(), call.request.target().size())));
  num("status", call.outcome.status);
  num("latency_ms", static_cast<long long>(latency * 1000));
  if (!call.outcome.key_name.empty()) str("key", call.outcome.key_name);
  if (!call.outcome.provider.empty()) str("provider", call.outcome.provider);
  if (!call.outcome.model.empty()) str("model", sanitize_untrusted(call.outcome.model, 200));
  if (call.outcome.stream) line += ",\"stream\":true";
  if (call.outcome.upstream_status != 0) num("upstream_status", call.outcome.upstream_status);
  if (call.outcome.ttft) num("ttft_ms", static_cast<long long>(*call.outcome.ttft * 1000));
  if (call.outcome.prompt_tokens >= 0) num("prompt_tokens", call.outcome.prompt_tokens);
  if (call.outcome.completion_tokens >= 0) {
    num("completion_tokens", call.outcome.completion_tokens);
  }
  if (!call.outcome.error.empty()) str("error", sanitize_untrusted(call.outcome.error, 300));
  line += '}';
  call.shared.log_line(line);
}

}  // namespace

void declare_metrics(Metrics& m) {
  m.counter("llmauth_requests_total", "Requests by provider, model and status.");
  m.histogram("llmauth_request_duration_seconds", "Request latency, to the last byte.",
              Metrics::latency_buckets());
  m.histogram("llmauth_time_to_first_token_seconds",
              "From the request to the first byte of the answer's body.",
              Metrics::latency_buckets());
  m.counter("llmauth_upstream_errors_total", "Failed or retried upstream calls by error class.");
  m.counter("llmauth_credential_fetches_total",
            "Credential fetches and refreshes by provider and outcome.");
  m.counter("llmauth_tokens_total", "Prompt and completion tokens by provider.");
}

bhttp::response<bhttp::string_body> error_response(int status, const std::string& message,
                                                   const std::string& type,
                                                   const std::string& code) {
  auto r = json_response(status, error_body(message, type, "", code), "");
  r.keep_alive(false);
  return r;
}

Task<bool> handle(ClientStream& client, bhttp::request<bhttp::string_body>& request, Shared& shared,
                  UpstreamPool& pool) {
  Call call{client, request, shared, pool, shared.runtime.load(), request_id_of(request)};
  shared.active_requests.fetch_add(1);
  struct Active {
    std::atomic<long long>& n;
    ~Active() { n.fetch_sub(1); }
  } active{shared.active_requests};
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  const bool keep_alive = request.keep_alive() && !shared.draining;
  bool quiet = false;  // health probes do not fill the access log
  std::optional<Refusal> refusal;
  bool client_gone = false;
  try {
    if (path == "/healthz" && request.method() == bhttp::verb::get) {
      quiet = true;
      call.outcome.status = 200;
      auto r = json_response(200, {{"status", "alive"}}, call.request_id);
      co_await client.write(r);
    } else if (path == "/readyz" && request.method() == bhttp::verb::get) {
      quiet = true;
      co_await readyz(call);
    } else if (path == "/metrics" && request.method() == bhttp::verb::get) {
      quiet = true;
      co_await metrics(call);
    } else if (path == "/v1/chat/completions") {
      if (request.method() != bhttp::verb::post) {
        throw Refusal{405, "Use POST.", "invalid_request_error", "", "method_not_allowed"};
      }
      co_await chat_completions(call);
    } else if (path == "/v1/models" && request.method() == bhttp::verb::get) {
      co_await list_models(call);
    } else if (path.rfind("/azure/", 0) == 0) {
      co_await azure_passthrough(call, target);
    } else if (path.rfind("/bedrock/", 0) == 0) {
      if (request.method() != bhttp::verb::post) {
        throw Refusal{405, "Use POST.", "invalid_request_error", "", "method_not_allowed"};
      }
      co_await bedrock_passthrough(call, target);
    } else {
      throw Refusal{404,
                    "No route " + sanitize_untrusted(path, 200) +
                        " (the gateway serves /v1/chat/completions, /v1/models, /azure/…, "
                        "/bedrock/…, /healthz, /readyz, /metrics).",
                    "invalid_request_error", "", "not_found"};
    }
  } catch (const Refusal& r) {
    refusal = r;
  } catch (const UpstreamError& e) {
    refusal = Refusal{e.kind() == UpstreamError::Kind::kTimeout ? 504 : 502, e.what(), "api_error",
                      "", std::string(e.class_name())};
  } catch (const beast::system_error&) {
    // The client went away while we wrote: nothing to answer.
    client_gone = true;
  } catch (const std::exception& e) {
    refusal = Refusal{500, "internal error: " + sanitize_untrusted(e.what(), 300), "api_error", "",
                      "internal_error"};
  }
  if (client_gone) {
    call.outcome.error = "the client closed the connection";
    if (call.outcome.status == 0) call.outcome.status = 499;
    if (!quiet) record(call);
    co_return false;
  }
  if (refusal) {
    if (call.outcome.status == 0) {
      // (co_await is not allowed inside a catch handler.)
      bool written = true;
      try {
        co_await write_refusal(call, *refusal);
      } catch (const beast::system_error&) {
        written = false;
      }
      if (!written) {
        if (!quiet) record(call);
        co_return false;
      }
    } else {
      call.outcome.error = refusal->message;  // the head was already out
    }
  }
  if (!quiet) record(call);
  co_return keep_alive;
}

}  // namespace llmauth::gateway::server
