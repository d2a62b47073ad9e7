#include "llmauth/aws/credentials/assume_role_provider.hpp"

#include "llmauth/core/error.hpp"

namespace llmauth::aws {

AssumeRoleProvider::AssumeRoleProvider(Ambient ambient, ProviderPtr source,
                                       AssumeRoleParams params, StsOptions sts)
    : source_(std::move(source)), params_(std::move(params)), sts_(ambient, std::move(sts)) {
  validate_role_arn(params_.role_arn, "assume role");
  if (params_.role_session_name.empty()) {
    params_.role_session_name = default_role_session_name(ambient.now());
  }
  validate_role_session_name(params_.role_session_name, "assume role");
  if (params_.duration_seconds && (*params_.duration_seconds < 900 || *params_.duration_seconds > 43200)) {
    throw Error("assume role: duration_seconds " + std::to_string(*params_.duration_seconds) +
                    " is outside 900..43200",
                ErrorCode::kInvalidInput);
  }
}

std::shared_ptr<const Credentials> AssumeRoleProvider::resolve() {
  std::shared_ptr<const Credentials> source;
  try {
    source = source_->resolve();
  } catch (const UnavailableError& e) {
    // The role is configured, so a missing source is a failure, not "not configured".
    throw Error("assume role " + params_.role_arn + ": the source credentials (" +
                source_->name() + ") are not available: " + e.what());
  }
  Credentials out = sts_.assume_role(*source, params_);
  out.source = "assume role " + params_.role_arn + " with " + source->source;
  return std::make_shared<const Credentials>(std::move(out));
}

std::string default_role_session_name(TimePoint now) {
  return "llmauth-" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

}  // namespace llmauth::aws
