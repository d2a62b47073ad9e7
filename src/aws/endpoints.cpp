#include "llmauth/aws/endpoints.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "llmauth/core/error.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/split.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {

std::optional<std::string> resolve_region(const Ambient& ambient, const Profile* profile) {
  if (auto r = ambient.env("AWS_REGION")) return r;
  if (auto r = ambient.env("AWS_DEFAULT_REGION")) return r;
  if (profile != nullptr) return profile->get("region");
  return std::nullopt;
}

std::string endpoint_env_var(const std::string& service_id) {
  std::string out = "AWS_ENDPOINT_URL_";
  for (char c : service_id) {
    out += (c == ' ' || c == '-') ? '_'
                                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> endpoint_override(const Ambient& ambient, const std::string& service_id,
                                             const Profile* profile, const SharedConfig* config) {
  if (ambient.env_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) return std::nullopt;
  if (auto v = ambient.env(endpoint_env_var(service_id))) return v;
  if (auto v = ambient.env("AWS_ENDPOINT_URL")) return v;
  if (profile != nullptr) {
    if (profile->get("ignore_configured_endpoint_urls") == "true") return std::nullopt;
    std::string key;
    for (char c : service_id) {
      key += (c == ' ' || c == '-')
                 ? '_'
                 : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (config != nullptr) {
      if (auto services = profile->get("services")) {
        if (const IniSection* section = config->services_section(*services)) {
          const auto it = section->values.find(key);
          if (it != section->values.end() && it->second.is_subsection) {
            const auto url = it->second.sub.find("endpoint_url");
            if (url != it->second.sub.end() && !url->second.empty()) return url->second;
          }
        }
      }
    }
    if (auto v = profile->get("endpoint_url")) return v;
  }
  return std::nullopt;
}

std::string endpoint_base_url(const std::string& endpoint, std::string_view what) {
  const url::Url u = url::parse(endpoint, what);
  std::string base = u.origin() + u.path;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string dns_suffix(const std::string& region) {
  return region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

namespace {

bool letters(std::string_view p) {
  return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

}  // namespace

bool is_region(std::string_view s) {
  if (s.size() > 40) return false;
  const auto parts = split(s, '-');
  if (parts.size() != 3 && parts.size() != 4) return false;
  if (parts.size() == 3 && parts[0].size() != 2) return false;
  if (parts[0].size() < 2 || parts[0].size() > 4 || !letters(parts[0])) return false;
  if (parts.size() == 4 && !letters(parts[1])) return false;
  if (!letters(parts[parts.size() - 2])) return false;
  const auto last = parts.back();
  return !last.empty() && last.size() <= 3 &&
         std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void validate_region(const std::string& region, const std::string& what) {
  if (!is_region(region)) {
    throw Error(what + ": '" + excerpt(region, {}, 64) +
                    "' is not an AWS region (expected something like us-east-1, eu-central-1 or "
                    "us-gov-west-1)",
                ErrorCode::kInvalidInput);
  }
}

bool is_aws_host(std::string_view host) {
  return host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn") ||
         host.ends_with(".api.aws");
}

std::optional<std::string> region_in_host(std::string_view host) {
  if (!is_aws_host(host)) return std::nullopt;
  for (const auto label : split(host, '.')) {
    if (is_region(label)) return std::string(label);
  }
  return std::nullopt;
}

}  // namespace llmauth::aws
