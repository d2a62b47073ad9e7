#include "llmauth/aws/credentials/default_chain.hpp"

#include "llmauth/aws/credentials/environment_provider.hpp"
#include "llmauth/aws/endpoints.hpp"

namespace llmauth::aws {

DefaultChain::DefaultChain(Ambient ambient, DefaultChainOptions options)
    : ambient_(std::move(ambient)), options_(std::move(options)) {
  const bool explicit_profile = options_.profile.has_value();
  profile_ = explicit_profile ? *options_.profile : profile_name_from_env(ambient_);
  if (!explicit_profile) providers_.push_back(std::make_shared<EnvironmentProvider>(ambient_));
  ProfileProviderOptions profile_options = options_.providers;
  // AWS_PROFILE set in the environment still names the profile the user wants: a missing one
  // is an error, as in botocore (ProfileNotFound). Only the implicit "default" may be absent.
  profile_options.explicit_profile =
      explicit_profile || ambient_.env("AWS_PROFILE") || ambient_.env("AWS_DEFAULT_PROFILE");
  profile_options.env_web_identity = !explicit_profile;
  providers_.push_back(std::make_shared<ProfileProvider>(ambient_, profile_, profile_options));
  providers_.push_back(std::make_shared<ContainerProvider>(ambient_, options_.providers.container));
  providers_.push_back(
      std::make_shared<InstanceMetadataProvider>(ambient_, options_.providers.imds));
}

std::vector<Attempt> DefaultChain::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

std::optional<std::string> DefaultChain::region() const {
  std::optional<Profile> profile;
  try {
    profile = SharedConfig::load(ambient_).merged(profile_);
  } catch (const Error&) {
    // A malformed file is reported by resolve(); the region falls back to the environment.
  }
  return resolve_region(ambient_, profile ? &*profile : nullptr);
}

void DefaultChain::check_profile_named_by_environment() const {
  // AWS_PROFILE naming a profile that exists nowhere is an error even when environment keys are
  // set, as in botocore (ProfileNotFound): the user asked for that profile, and silently using
  // other credentials would sign as someone else.
  if (options_.profile) return;
  const char* variable = ambient_.env("AWS_PROFILE")           ? "AWS_PROFILE"
                         : ambient_.env("AWS_DEFAULT_PROFILE") ? "AWS_DEFAULT_PROFILE"
                                                               : nullptr;
  if (variable == nullptr) return;
  std::optional<SharedConfig> config;
  try {
    config = SharedConfig::load(ambient_);
  } catch (const Error& e) {
    throw ChainError(std::string(variable) + "=" + profile_ + ": " + e.what(),
                     {{"profile", Attempt::Outcome::kFailed, e.what()}}, e.code());
  }
  if (config->merged(profile_)) return;
  const std::string message = config->not_found_message(profile_) + " (named by " + variable +
                              "; unset it to use the environment's keys)";
  throw ChainError(message, {{"profile", Attempt::Outcome::kFailed, message}},
                   ErrorCode::kInvalidInput);
}

void DefaultChain::invalidate() {
  std::lock_guard lock(mutex_);
  if (winner_) winner_->invalidate();
}

std::shared_ptr<const Credentials> DefaultChain::resolve() {
  std::shared_ptr<Refreshing> winner;
  {
    std::lock_guard lock(mutex_);
    winner = winner_;
  }
  if (winner) return winner->resolve();
  // The first walk runs once however many threads ask: they share its credentials (or error),
  // so N simultaneous first requests make one AssumeRole call, not N.
  return walk_.run([this] { return walk(); });
}

std::shared_ptr<const Credentials> DefaultChain::walk() {
  {
    std::lock_guard lock(mutex_);
    if (winner_) return winner_->resolve();  // a walk that ended while this one was queued
  }
  check_profile_named_by_environment();
  std::vector<Attempt> attempts;
  for (const auto& provider : providers_) {
    auto cached = std::make_shared<Refreshing>(provider, ambient_.clock_ptr(), options_.windows);
    try {
      auto creds = cached->resolve();
      attempts.push_back({provider->name(), Attempt::Outcome::kSucceeded, creds->source});
      std::lock_guard lock(mutex_);
      attempts_ = attempts;
      winner_ = cached;
      return creds;
    } catch (const UnavailableError& e) {
      attempts.push_back({provider->name(), Attempt::Outcome::kUnavailable, e.what()});
    } catch (const Error& e) {
      attempts.push_back({provider->name(), Attempt::Outcome::kFailed, e.what()});
      {
        std::lock_guard lock(mutex_);
        attempts_ = attempts;
      }
      throw ChainError(provider->name() + ": " + e.what(), attempts, e.code());
    }
  }
  std::string message = "no AWS credentials found; tried:";
  for (const auto& a : attempts) message += "\n  " + a.provider + ": " + a.detail;
  {
    std::lock_guard lock(mutex_);
    attempts_ = attempts;
  }
  throw ChainError(message, attempts, ErrorCode::kUnavailable);
}

}  // namespace llmauth::aws
