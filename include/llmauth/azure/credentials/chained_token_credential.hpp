// ChainedTokenCredential: tries credentials in order, with azure-identity's semantics: a
// credential that is unavailable here (UnavailableError) hands over to the next; any other
// error stops the chain and is rethrown (as a ChainedTokenCredentialError with the attempts).
// When every credential is unavailable the error (code kUnavailable) lists each one and why:
// "DefaultAzureCredential failed to retrieve a token: EnvironmentCredential: AZURE_CLIENT_ID is
// not set; ManagedIdentityCredential: …; AzureCliCredential: az was not found on PATH".
//
// Remembering the winner: with `reuse_successful_credential` the credential that gave a token
// is asked directly from then on (its errors then surface as they are). azure-identity's
// ChainedTokenCredential (Python, JS, .NET, C++) walks the chain on every call; their
// DefaultAzureCredential remembers the winner (Python `_successful_credential`, .NET, and the
// C++ SDK's DefaultAzureCredential). So the option is off by default and on in
// DefaultAzureCredential, like aws::DefaultChain.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::azure {

struct ChainAttempt {
  enum class Outcome { kUnavailable, kFailed, kSucceeded };
  std::string credential;  // its name()
  Outcome outcome = Outcome::kUnavailable;
  std::string detail;      // the reason, without the "<credential>: " prefix; no secrets
};

std::string_view outcome_word(ChainAttempt::Outcome outcome);  // "ok", "unavailable", "FAILED"

class ChainedTokenCredentialError : public Error {
 public:
  ChainedTokenCredentialError(const std::string& message, std::vector<ChainAttempt> attempts,
                              ErrorCode code)
      : Error(message, code), attempts_(std::move(attempts)) {}
  [[nodiscard]] const std::vector<ChainAttempt>& attempts() const { return attempts_; }

 private:
  std::vector<ChainAttempt> attempts_;
};

// Unavailable in every credential of a chain. An UnavailableError (so an outer chain moves on)
// that also carries the attempts.
class ChainUnavailableError : public UnavailableError {
 public:
  ChainUnavailableError(const std::string& message, std::vector<ChainAttempt> attempts)
      : UnavailableError(message), attempts_(std::move(attempts)) {}
  [[nodiscard]] const std::vector<ChainAttempt>& attempts() const { return attempts_; }

 private:
  std::vector<ChainAttempt> attempts_;
};

struct ChainedTokenCredentialOptions {
  std::string name = "ChainedTokenCredential";
  bool reuse_successful_credential = false;
};

class ChainedTokenCredential : public TokenCredential {
 public:
  explicit ChainedTokenCredential(std::vector<CredentialPtr> sources,
                                  ChainedTokenCredentialOptions options = {});

  // Throws ChainUnavailableError when every source is unavailable (or there is none), else
  // ChainedTokenCredentialError with the code of the source that failed.
  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return options_.name; }

  // The attempts of the last walk of the chain.
  [[nodiscard]] std::vector<ChainAttempt> attempts() const;
  // The remembered winner (null until one succeeded, or without reuse_successful_credential).
  [[nodiscard]] CredentialPtr successful_credential() const;
  [[nodiscard]] const std::vector<CredentialPtr>& sources() const { return sources_; }

 private:
  std::vector<CredentialPtr> sources_;
  ChainedTokenCredentialOptions options_;
  mutable std::mutex mutex_;
  std::vector<ChainAttempt> attempts_;
  CredentialPtr winner_;
};

}  // namespace llmauth::azure
