#include "llmauth/aws/credentials/web_identity_provider.hpp"

#include "llmauth/aws/credentials/assume_role_provider.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::aws {

WebIdentityProvider::WebIdentityProvider(Ambient ambient, WebIdentityConfig config, StsOptions sts)
    : ambient_(ambient), config_(std::move(config)), sts_(std::move(ambient), std::move(sts)) {
  if (config_.token_file.empty()) {
    throw Error("web identity: no token file given", ErrorCode::kInvalidInput);
  }
  validate_role_arn(config_.role_arn, "web identity");
}

std::shared_ptr<WebIdentityProvider> WebIdentityProvider::from_environment(const Ambient& ambient,
                                                                           const Profile* profile,
                                                                           bool use_env,
                                                                           StsOptions sts) {
  auto get = [&](const char* env_name, const char* profile_key) -> std::optional<std::string> {
    if (use_env) {
      if (auto v = ambient.env(env_name)) return v;
    }
    if (profile != nullptr) return profile->get(profile_key);
    return std::nullopt;
  };
  const auto token_file = get("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file");
  if (!token_file) {
    throw UnavailableError(use_env ? "AWS_WEB_IDENTITY_TOKEN_FILE is not set and the profile has no "
                                     "web_identity_token_file"
                                   : "the profile has no web_identity_token_file");
  }
  const auto role_arn = get("AWS_ROLE_ARN", "role_arn");
  if (!role_arn) {
    throw Error("web identity token file " + *token_file +
                    " is configured but no role is: set AWS_ROLE_ARN (or role_arn in the profile)",
                ErrorCode::kInvalidInput);
  }
  WebIdentityConfig config;
  config.token_file = ambient.expand_user(*token_file).string();
  config.role_arn = *role_arn;
  config.role_session_name = get("AWS_ROLE_SESSION_NAME", "role_session_name").value_or("");
  if (profile != nullptr) {
    if (auto d = profile->get("duration_seconds")) {
      try {
        config.duration_seconds = std::stoi(*d);
      } catch (const std::exception&) {
        throw Error(profile->where("duration_seconds") + ": duration_seconds '" + *d +
                        "' is not a number of seconds",
                    ErrorCode::kInvalidInput);
      }
    }
  }
  return std::make_shared<WebIdentityProvider>(ambient, std::move(config), std::move(sts));
}

std::shared_ptr<const Credentials> WebIdentityProvider::resolve() {
  const auto token = ambient_.read_file(config_.token_file, 64u << 10);
  if (!token) {
    throw Error("web identity token file " + config_.token_file +
                ": no such file (AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file)");
  }
  std::string value = *token;
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
    value.pop_back();
  }
  if (value.empty()) {
    throw Error("web identity token file " + config_.token_file + " is empty",
                ErrorCode::kInvalidInput);
  }
  AssumeRoleParams params;
  params.role_arn = config_.role_arn;
  params.role_session_name = config_.role_session_name.empty()
                                 ? default_role_session_name(ambient_.now())
                                 : config_.role_session_name;
  params.duration_seconds = config_.duration_seconds;
  Credentials out = sts_.assume_role_with_web_identity(params, Secret(std::move(value)));
  out.source = "web identity " + config_.role_arn + " (token file " + config_.token_file + ")";
  return std::make_shared<const Credentials>(std::move(out));
}

}  // namespace llmauth::aws
