#include "llmauth/aws/credentials/profile_provider.hpp"

#include <algorithm>

#include "llmauth/aws/credentials/assume_role_provider.hpp"
#include "llmauth/aws/credentials/environment_provider.hpp"
#include "llmauth/aws/credentials/sso_provider.hpp"
#include "llmauth/aws/credentials/web_identity_provider.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

bool has_static_keys(const Profile* p) {
  return p != nullptr && (p->has("aws_access_key_id") || p->has("aws_secret_access_key"));
}

std::shared_ptr<const Credentials> static_keys(const Profile& p, const std::string& file_kind) {
  const auto key = p.get("aws_access_key_id");
  auto secret = p.get("aws_secret_access_key");
  if (!key || !secret) {
    const std::string missing = key ? "aws_secret_access_key" : "aws_access_key_id";
    const std::string present = key ? "aws_access_key_id" : "aws_secret_access_key";
    throw Error(p.where(present) + ": profile '" + p.name + "' has " + present + " but no " +
                    missing + "; add it or remove both",
                ErrorCode::kInvalidInput);
  }
  Credentials c;
  c.access_key_id = *key;
  c.secret_access_key = Secret(std::move(*secret));
  if (auto t = p.get("aws_session_token")) {
    c.session_token = Secret(std::move(*t));
  } else if (auto legacy = p.get("aws_security_token")) {
    c.session_token = Secret(std::move(*legacy));
  }
  c.account_id = p.get("aws_account_id");
  c.source = "profile " + p.name + " (" + file_kind + " " + p.where("aws_access_key_id") + ")";
  return std::make_shared<const Credentials>(std::move(c));
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

ProfileProvider::ProfileProvider(Ambient ambient, std::string profile,
                                 ProfileProviderOptions options)
    : ambient_(std::move(ambient)), profile_(std::move(profile)), options_(std::move(options)) {
  if (profile_.empty()) throw Error("profile name is empty", ErrorCode::kInvalidInput);
}

std::shared_ptr<const Credentials> ProfileProvider::resolve() {
  const SharedConfig config = SharedConfig::load(ambient_);
  std::vector<std::string> visited;
  return resolve_profile(config, profile_, visited, /*top_level=*/true);
}

std::shared_ptr<const Credentials> ProfileProvider::resolve_profile(
    const SharedConfig& config, const std::string& name, std::vector<std::string>& visited,
    bool top_level) {
  const auto profile = config.merged(name);
  if (!profile) {
    // The environment's web identity works without any profile.
    if (top_level && options_.env_web_identity && ambient_.env("AWS_WEB_IDENTITY_TOKEN_FILE")) {
      StsOptions sts;
      sts.region = resolve_region(ambient_, nullptr).value_or("");
      sts.endpoint = endpoint_override(ambient_, "STS", nullptr, &config);
      return WebIdentityProvider::from_environment(ambient_, nullptr, true, sts)->resolve();
    }
    if (top_level && !options_.explicit_profile) {
      throw UnavailableError("no profile '" + name + "' in " + config.config_path() + " or " +
                             config.credentials_path());
    }
    throw Error(config.not_found_message(name), ErrorCode::kInvalidInput);
  }
  visited.push_back(name);

  // 1. Assume role. In a source profile, static keys win over role_arn.
  if (profile->has("role_arn") && !profile->has("web_identity_token_file") &&
      (top_level || !has_static_keys(&*profile))) {
    return assume_role(config, *profile, visited);
  }

  return from_profile_sources(config, *profile, top_level);
}

// botocore's ProfileProviderBuilder.providers(), in order: web identity, SSO, static keys in the
// credentials file, credential_process, static keys in the config file.
std::shared_ptr<const Credentials> ProfileProvider::from_profile_sources(const SharedConfig& config,
                                                                         const Profile& profile,
                                                                         bool top_level) {
  const std::string& name = profile.name;

  // 2. Web identity.
  StsOptions sts;
  sts.region = resolve_region(ambient_, &profile).value_or("");
  sts.endpoint = endpoint_override(ambient_, "STS", &profile, &config);
  const bool env_wi = top_level && options_.env_web_identity;
  if (profile.has("web_identity_token_file") ||
      (env_wi && ambient_.env("AWS_WEB_IDENTITY_TOKEN_FILE"))) {
    return WebIdentityProvider::from_environment(ambient_, &profile, env_wi, sts)->resolve();
  }

  // 3. IAM Identity Center (SSO).
  if (auto sso = sso_config(profile, config)) {
    SsoProviderOptions o = options_.sso;
    o.portal_endpoint = endpoint_override(ambient_, "SSO", &profile, &config);
    o.token.oidc_endpoint = endpoint_override(ambient_, "SSO OIDC", &profile, &config);
    return SsoProvider(ambient_, std::move(*sso), std::move(o)).resolve();
  }

  // 4. Static keys in the credentials file.
  const Profile* in_credentials = config.credentials_profile(name);
  if (has_static_keys(in_credentials)) return static_keys(*in_credentials, "credentials file");

  // 5. credential_process (either file).
  if (auto command = profile.get("credential_process")) {
    ProcessProvider process(ambient_, *command, name, options_.process);
    return process.resolve();
  }

  // 6. Static keys in the config file.
  const Profile* in_config = config.config_profile(name);
  if (has_static_keys(in_config)) return static_keys(*in_config, "config file");

  const std::string looked_for =
      "role_arn, web_identity_token_file, sso_account_id/sso_role_name, "
      "aws_access_key_id/aws_secret_access_key, credential_process";
  if (top_level) {
    throw UnavailableError("profile '" + name + "' has no credentials (looked for " + looked_for +
                           ")");
  }
  throw Error("source profile '" + name + "' has no credentials (looked for " + looked_for + ")",
              ErrorCode::kInvalidInput);
}

std::shared_ptr<const Credentials> ProfileProvider::assume_role(const SharedConfig& config,
                                                                const Profile& profile,
                                                                std::vector<std::string>& visited) {
  const auto source_profile = profile.get("source_profile");
  const auto credential_source = profile.get("credential_source");
  if (source_profile && credential_source) {
    throw Error(profile.where("credential_source") + ": profile '" + profile.name +
                    "' has both source_profile and credential_source; keep one",
                ErrorCode::kInvalidInput);
  }
  if (!source_profile && !credential_source) {
    throw Error(profile.where("role_arn") + ": profile '" + profile.name +
                    "' has role_arn but neither source_profile nor credential_source; add one",
                ErrorCode::kInvalidInput);
  }
  if (profile.has("mfa_serial")) {
    throw Error(profile.where("mfa_serial") + ": profile '" + profile.name +
                    "' needs an interactive MFA code (mfa_serial), which llmauth does not prompt "
                    "for; use a credential_process that obtains the session, or a profile "
                    "without mfa_serial",
                ErrorCode::kInvalidInput);
  }

  std::shared_ptr<const Credentials> source;
  if (source_profile) {
    const bool seen =
        std::find(visited.begin(), visited.end(), *source_profile) != visited.end();
    if (seen) {
      const bool self_with_keys =
          *source_profile == profile.name && has_static_keys(&profile);
      if (!self_with_keys) {
        visited.push_back(*source_profile);
        throw Error(profile.where("source_profile") + ": source_profile cycle: " +
                        join(visited, " -> ") +
                        " (a profile may name itself only when it has static keys)",
                    ErrorCode::kInvalidInput);
      }
      // As botocore: a profile that names itself is resolved by the profile sources (so SSO
      // or credential_process of that profile still come before its static keys).
      source = from_profile_sources(config, profile, /*top_level=*/false);
    } else {
      source = resolve_profile(config, *source_profile, visited, /*top_level=*/false);
    }
  } else {
    source = from_credential_source(profile, *credential_source);
  }

  AssumeRoleParams params;
  params.role_arn = *profile.get("role_arn");
  params.role_session_name = profile.get("role_session_name").value_or("");
  params.external_id = profile.get("external_id");
  if (auto d = profile.get("duration_seconds")) {
    try {
      std::size_t used = 0;
      params.duration_seconds = std::stoi(*d, &used);
      if (used != d->size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw Error(profile.where("duration_seconds") + ": duration_seconds '" + *d +
                      "' is not a number of seconds",
                  ErrorCode::kInvalidInput);
    }
  }
  StsOptions sts;
  sts.region = resolve_region(ambient_, &profile).value_or("");
  sts.endpoint = endpoint_override(ambient_, "STS", &profile, &config);
  auto fixed_source = std::make_shared<StaticProvider>(*source);
  AssumeRoleProvider provider(ambient_, fixed_source, params, sts);
  auto creds = provider.resolve();
  auto out = std::make_shared<Credentials>(*creds);
  out->source = "assume role " + params.role_arn + " (profile " + profile.name + ") with " +
                source->source;
  return out;
}

std::shared_ptr<const Credentials> ProfileProvider::from_credential_source(
    const Profile& profile, const std::string& source) {
  ProviderPtr provider;
  if (source == "Environment") {
    provider = std::make_shared<EnvironmentProvider>(ambient_);
  } else if (source == "Ec2InstanceMetadata") {
    provider = std::make_shared<InstanceMetadataProvider>(ambient_, options_.imds);
  } else if (source == "EcsContainer") {
    provider = std::make_shared<ContainerProvider>(ambient_, options_.container);
  } else {
    throw Error(profile.where("credential_source") + ": credential_source '" + source +
                    "' is not one of Environment, Ec2InstanceMetadata, EcsContainer",
                ErrorCode::kInvalidInput);
  }
  try {
    return provider->resolve();
  } catch (const UnavailableError& e) {
    throw Error(profile.where("credential_source") + ": credential_source " + source +
                " gave no credentials: " + e.what());
  }
}

}  // namespace llmauth::aws
