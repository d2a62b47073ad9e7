#include "llmauth/aws/credentials/container_provider.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <iterator>

#include "llmauth/aws/credentials/credentials_document.hpp"
#include "llmauth/aws/credentials/metadata_client.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kRelativeUriVar = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullUriVar = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view kTokenFileVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr std::string_view kTokenVar = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr std::string_view kEcsHost = "http://169.254.170.2";
constexpr std::string_view kAllowList =
    "a loopback address, 169.254.170.2 (ECS), 169.254.170.23 or fd00:ec2::23 (EKS Pod Identity)";

// The link-local container endpoints that plain http may reach.
bool allowed_container_host(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    for (const char* allowed : {"169.254.170.2", "169.254.170.23"}) {
      in_addr a{};
      inet_pton(AF_INET, allowed, &a);
      if (a.s_addr == v4.s_addr) return true;
    }
    return false;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    in6_addr eks{};
    inet_pton(AF_INET6, "fd00:ec2::23", &eks);
    return std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), std::begin(eks.s6_addr));
  }
  return false;
}

// The Authorization header value, if one is configured. Read on every call: the EKS Pod
// Identity agent's token file is rotated.
std::optional<Secret> authorization(const Ambient& ambient) {
  std::string value;
  std::string from;
  if (auto path = ambient.env(kTokenFileVar)) {
    from = std::string(kTokenFileVar) + "=" + *path;
    auto content = ambient.read_file(ambient.expand_user(*path), 16u * 1024);
    if (!content) throw Error(from + ": no such file", ErrorCode::kInvalidInput);
    value = std::move(*content);
    // An editor's final line break is not part of the token.
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
    if (value.empty()) throw Error(from + ": the file is empty", ErrorCode::kInvalidInput);
  } else if (auto token = ambient.env(kTokenVar)) {
    from = std::string(kTokenVar);
    value = std::move(*token);
  } else {
    return std::nullopt;
  }
  if (value.find_first_of("\r\n") != std::string::npos) {
    throw Error(from +
                    ": the authorization token contains a line break (CR or LF), which is not "
                    "allowed in an HTTP header",
                ErrorCode::kInvalidInput);
  }
  return Secret(std::move(value));
}

}  // namespace

std::string container_credentials_url(const Ambient& ambient) {
  if (auto relative = ambient.env(kRelativeUriVar)) {
    std::string url = std::string(kEcsHost);
    if (relative->front() != '/') url += '/';
    url += *relative;
    url::parse(url, kRelativeUriVar);  // throws naming the variable when malformed
    return url;
  }
  auto full = ambient.env(kFullUriVar);
  if (!full) {
    throw UnavailableError(std::string(kRelativeUriVar) + " and " + std::string(kFullUriVar) +
                           " are not set");
  }
  const url::Url parsed = url::parse(*full, kFullUriVar);
  if (parsed.scheme == "http" && !url::is_loopback_host(parsed.host) &&
      !allowed_container_host(parsed.host)) {
    throw Error(std::string(kFullUriVar) + "=" + http::loggable_url(*full) +
                    ": plain http is only " + "allowed to " + std::string(kAllowList) +
                    "; use https for host '" + parsed.host + "'",
                ErrorCode::kInvalidInput);
  }
  return *full;
}

ContainerProvider::ContainerProvider(Ambient ambient, ContainerProviderOptions options)
    : ambient_(std::move(ambient)), options_(options) {}

std::shared_ptr<const Credentials> ContainerProvider::resolve() {
  const std::string url = container_credentials_url(ambient_);
  const std::string shown = http::loggable_url(url);
  const auto token = authorization(ambient_);

  http::Request request;
  request.method = "GET";
  request.url = url;
  request.headers.push_back({"Accept", "application/json"});
  if (token) request.headers.push_back({"Authorization", std::string(token->reveal())});

  const MetadataClient client(ambient_.http(), {.attempts = options_.attempts,
                                                .timeout = options_.timeout,
                                                .retry_delay = options_.retry_delay});
  const MetadataReply reply = client.send(std::move(request));
  const std::string tries =
      reply.attempts == 1 ? "1 attempt" : std::to_string(reply.attempts) + " attempts";

  if (!reply.answered()) {
    const Error& e = *reply.failure;
    if (e.code() == ErrorCode::kTimeout) {
      throw Error("container credentials endpoint " + shown + " did not answer within " +
                      describe_duration(options_.timeout) + " (" + tries + ")",
                  ErrorCode::kTimeout);
    }
    throw Error("container credentials endpoint " + shown + " could not be reached (" + tries +
                    "): " + e.what(),
                e.code());
  }
  if (!reply.ok()) {
    std::string message = "container credentials endpoint " + shown + " answered HTTP " +
                          std::to_string(reply.status);
    if (reply.status >= 500) message += " (" + tries + ")";
    if (reply.status == 401 || reply.status == 403) {
      message += token ? "; check the authorization token (" + std::string(kTokenFileVar) + " / " +
                             std::string(kTokenVar) + ")"
                       : "; no authorization token was sent (set " + std::string(kTokenFileVar) +
                             " or " + std::string(kTokenVar) + ")";
    }
    if (const auto excerpt = error_excerpt(reply); !excerpt.empty()) {
      message += ": " + excerpt;
    }
    throw Error(message, ErrorCode::kHttpStatus);
  }

  Credentials c = parse_credentials_document(
      reply.body, "container credentials from " + shown,
      DocumentRules{.require_session_token = true, .require_expiration = true});
  c.source = "container credentials endpoint " + shown;
  return std::make_shared<const Credentials>(std::move(c));
}

}  // namespace llmauth::aws
