#include "llmauth/azure/credentials/chained_token_credential.hpp"

#include "llmauth/core/time_format.hpp"

namespace llmauth::azure {
namespace {

// "AzureCliCredential: az was not found" → "az was not found" (the chain adds the name back).
std::string without_prefix(const std::string& message, const std::string& name) {
  const std::string prefix = name + ": ";
  if (message.rfind(prefix, 0) == 0) return message.substr(prefix.size());
  return message;
}

}  // namespace

std::string_view outcome_word(ChainAttempt::Outcome outcome) {
  switch (outcome) {
    case ChainAttempt::Outcome::kSucceeded:
      return "ok";
    case ChainAttempt::Outcome::kFailed:
      return "FAILED";
    default:
      return "unavailable";
  }
}

ChainedTokenCredential::ChainedTokenCredential(std::vector<CredentialPtr> sources,
                                               ChainedTokenCredentialOptions options)
    : sources_(std::move(sources)), options_(std::move(options)) {
  for (const auto& s : sources_) {
    if (!s) throw Error(options_.name + ": a credential in the chain is null", ErrorCode::kInvalidInput);
  }
}

std::vector<ChainAttempt> ChainedTokenCredential::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

CredentialPtr ChainedTokenCredential::successful_credential() const {
  std::lock_guard lock(mutex_);
  return winner_;
}

std::shared_ptr<const AccessToken> ChainedTokenCredential::get_token(const TokenRequest& request) {
  if (auto winner = successful_credential()) return winner->get_token(request);

  std::vector<ChainAttempt> attempts;
  auto record = [&] {
    std::lock_guard lock(mutex_);
    attempts_ = attempts;
  };
  for (const auto& source : sources_) {
    const std::string source_name = source->name();
    try {
      auto token = source->get_token(request);
      attempts.push_back({source_name, ChainAttempt::Outcome::kSucceeded,
                          "token valid until " + timefmt::format_iso8601(token->expires_on)});
      std::lock_guard lock(mutex_);
      attempts_ = attempts;
      if (options_.reuse_successful_credential) winner_ = source;
      return token;
    } catch (const UnavailableError& e) {
      attempts.push_back(
          {source_name, ChainAttempt::Outcome::kUnavailable, without_prefix(e.what(), source_name)});
    } catch (const Error& e) {
      attempts.push_back(
          {source_name, ChainAttempt::Outcome::kFailed, without_prefix(e.what(), source_name)});
      record();
      throw ChainedTokenCredentialError(
          options_.name + ": " + source_name + " failed: " + attempts.back().detail, attempts,
          e.code());
    }
  }
  record();
  std::string message = options_.name + " failed to retrieve a token";
  if (attempts.empty()) {
    message += ": no credential is enabled";
  } else {
    message += ": ";
    for (std::size_t i = 0; i < attempts.size(); ++i) {
      if (i > 0) message += "; ";
      message += attempts[i].credential + ": " + attempts[i].detail;
    }
  }
  throw ChainUnavailableError(message, attempts);
}

}  // namespace llmauth::azure
