#include "llmauth/aws/endpoints.hpp"

#include <algorithm>
#include <cctype>

#include "llmauth/core/error.hpp"
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
    out += (c == ' ' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
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
      key += (c == ' ' || c == '-') ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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

void validate_region(const std::string& region, const std::string& what) {
  const bool ok = !region.empty() && region.size() <= 64 &&
                  std::all_of(region.begin(), region.end(), [](unsigned char c) {
                    return std::islower(c) || std::isdigit(c) || c == '-';
                  }) &&
                  region.front() != '-' && region.back() != '-';
  if (!ok) {
    throw Error(what + ": '" + region.substr(0, 64) +
                    "' is not a region name (expected something like us-east-1)",
                ErrorCode::kInvalidInput);
  }
}

}  // namespace llmauth::aws
