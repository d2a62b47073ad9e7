// ManagedIdentityCredential: tokens of the Azure resource's own identity (system-assigned, or a
// user-assigned one named by client id, object id or resource id) from the local identity
// endpoint of whichever host this runs on. The source is picked from the environment, in the
// order of the official SDKs:
//
//   App Service / Functions: IDENTITY_ENDPOINT + IDENTITY_HEADER.
//     GET ?api-version=2019-08-01&resource=R[&client_id=|&principal_id=|&mi_res_id=]
//     with X-IDENTITY-HEADER: $IDENTITY_HEADER
//   Cloud Shell: MSI_ENDPOINT (alone); the signed-in user's token, so no user-assigned id.
//     POST form resource=R with Metadata: true
//   Azure Arc: IDENTITY_ENDPOINT + IMDS_ENDPOINT.
//     GET ?api-version=2020-06-01&resource=R[&client_id=|&object_id=|&msi_res_id=]
//     with Metadata: true, answered 401 and
//     WWW-Authenticate: Basic realm=<key file>; the file must sit directly in arc_key_dir, end
//     in .key and hold at most 4096 bytes; the request goes again with
//     Authorization: Basic <its contents>. A user-assigned id must come back in the answer
//     (older agents ignore it and give the system-assigned identity): else an error, as MSAL.
//   IMDS (VMs, AKS, …): everything else. options.imds_endpoint, else
//     $AZURE_POD_IDENTITY_AUTHORITY_HOST + /metadata/identity/oauth2/token, else
//     http://169.254.169.254/metadata/identity/oauth2/token.
//     GET ?api-version=2018-02-01&resource=R[&client_id=|&object_id=|&msi_res_id=]
//     with Metadata: true
//
// AZURE_CLIENT_ID is NOT read: a user-assigned identity is chosen only through options.id (as in
// azure-identity, where DefaultAzureCredential — not ManagedIdentityCredential — falls back to
// AZURE_CLIENT_ID for its `managedIdentityClientId`). The request's tenant and claims are ignored
// (managed identity endpoints take neither).
//
// Tokens living 2 h or more get refresh_on = now + half their lifetime (MSAL's rule).
//
// Errors. Configuration mistakes (an id that is not a plain id, a malformed endpoint variable, a
// user-assigned id where the source cannot take one) are Error(kInvalidInput), raised by
// get_token() so that building a chain never throws. With `probe` (set by DefaultAzureCredential)
// the first IMDS request has a 1 s timeout and no retries, and no answer is an UnavailableError;
// the chain moves on. So is IMDS's 403 "…unreachable network" (Docker Desktop answering for the
// link-local address), probe or not. Once IMDS has answered, or without `probe`, every other
// failure is an Error: kNetwork / kTimeout when nothing answered, kHttpStatus for an error
// status (an unknown user-assigned identity says which id), kInvalidInput for a malformed answer
// or an expired token. No message contains a token, the App Service identity header or the Arc
// key.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "llmauth/azure/token_credential.hpp"
#include "llmauth/core/ambient.hpp"
#include "llmauth/core/retry.hpp"

namespace llmauth::azure {

// Which identity to ask for. Only `kind == kSystem` may leave `value` empty.
struct ManagedIdentityId {
  enum class Kind { kSystem, kClientId, kObjectId, kResourceId };
  Kind kind = Kind::kSystem;
  std::string value;

  static ManagedIdentityId system() { return {}; }
  static ManagedIdentityId client_id(std::string id) { return {Kind::kClientId, std::move(id)}; }
  static ManagedIdentityId object_id(std::string id) { return {Kind::kObjectId, std::move(id)}; }
  static ManagedIdentityId resource_id(std::string id) {
    return {Kind::kResourceId, std::move(id)};
  }

  // "the system-assigned identity", "user-assigned client id '…'", … for messages.
  [[nodiscard]] std::string describe() const;
  bool operator==(const ManagedIdentityId&) const = default;
};

enum class ManagedIdentitySource { kAppService, kCloudShell, kAzureArc, kImds };
// "App Service", "Cloud Shell", "Azure Arc", "IMDS"
std::string_view to_string(ManagedIdentitySource source);

inline constexpr std::string_view kImdsTokenEndpoint =
    "http://169.254.169.254/metadata/identity/oauth2/token";
inline constexpr std::string_view kArcKeyDir = "/var/opt/azcmagent/tokens";

// The SDKs' managed identity retries: 6 attempts (5 retries), exponential from 800 ms, on 404 and
// 410 (IMDS says the identity is not ready yet), 429 and every 5xx, and on transport errors. The
// other sources use the same policy without 404 and 410.
http::RetryPolicy managed_identity_retry_policy();

struct ManagedIdentityCredentialOptions {
  ManagedIdentityId id;
  // Set by DefaultAzureCredential: the first IMDS request is a probe (1 s, no retries); nothing
  // answering makes the credential unavailable rather than failed.
  bool probe = false;
  // Each request's whole exchange (and connect) timeout, probe aside.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  http::RetryPolicy retry = managed_identity_retry_policy();
  // Where the Azure Arc agent writes its challenge key files.
  std::string arc_key_dir = std::string(kArcKeyDir);
  // IMDS: a host ("http://127.0.0.1:8080", the token path is appended) or a full token URL.
  // Wins over AZURE_POD_IDENTITY_AUTHORITY_HOST. Empty: that variable, else the real IMDS.
  std::string imds_endpoint;
};

class ManagedIdentityCredential final : public TokenCredential {
 public:
  explicit ManagedIdentityCredential(Ambient ambient,
                                     ManagedIdentityCredentialOptions options = {});

  [[nodiscard]] std::shared_ptr<const AccessToken> get_token(const TokenRequest& request) override;
  [[nodiscard]] std::string name() const override { return "ManagedIdentityCredential"; }

  // The source the environment selected, and the URL it is asked at (no query).
  [[nodiscard]] ManagedIdentitySource source() const { return source_; }
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  [[nodiscard]] http::Request build_request(const std::string& resource) const;
  [[nodiscard]] http::Response send(const http::Request& request) const;
  [[nodiscard]] http::Response probe_imds(const http::Request& request);
  [[nodiscard]] http::Response answer_arc_challenge(const http::Request& request,
                                                    const http::Response& challenge,
                                                    Secret& key) const;
  void confirm_arc_identity(std::string_view body) const;
  [[noreturn]] void throw_status(const http::Response& response, std::string_view scrub) const;
  [[nodiscard]] AccessToken parse(const std::string& body) const;
  [[nodiscard]] std::string who() const;

  Ambient ambient_;
  ManagedIdentityCredentialOptions options_;
  ManagedIdentitySource source_ = ManagedIdentitySource::kImds;
  std::string endpoint_;
  Secret identity_header_;    // App Service
  std::string config_error_;  // raised by get_token(): building a chain never throws
  std::atomic<bool> probe_pending_{false};
};

}  // namespace llmauth::azure
