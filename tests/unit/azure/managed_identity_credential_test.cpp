// ManagedIdentityCredential against a scripted transport: which source the environment selects,
// the exact request each source sends (system- and user-assigned), the Azure Arc challenge and
// its key-file checks, the probe's semantics, and precise errors that never carry a token.
#include "llmauth/azure/credentials/managed_identity_credential.hpp"

#include <gtest/gtest.h>

#include "llmauth/core/error.hpp"
#include "llmauth/core/url.hpp"
#include "support/test_support.hpp"
#include "unit/aws/credentials/fake_metadata_transport.hpp"

namespace llmauth::azure {
namespace {

using namespace std::chrono_literals;
using testing::FakeMetadataTransport;
using testing::reply;

constexpr const char* kToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.managed-identity-test-token";
constexpr const char* kResource = "https://cognitiveservices.azure.com";
constexpr const char* kImdsHost = "http://127.0.0.1:9";
constexpr const char* kImdsUrl = "http://127.0.0.1:9/metadata/identity/oauth2/token";
constexpr const char* kAppServiceUrl = "http://127.0.0.1:9/msi/token";
constexpr const char* kCloudShellUrl = "http://127.0.0.1:9/cloudshell/token";
constexpr const char* kArcUrl = "http://127.0.0.1:9/arc/token";
constexpr const char* kIdentityHeader = "app-service-identity-header-value";
constexpr const char* kClientId = "44444444-4444-4444-4444-444444444444";
constexpr const char* kObjectId = "55555555-5555-5555-5555-555555555555";
constexpr const char* kResourceId =
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/my-identity";

const TimePoint kNow = TimePoint(std::chrono::seconds(1'800'000'000));

TokenRequest cognitive() { return TokenRequest{{std::string(kCognitiveServicesScope)}, "", ""}; }

std::string token_body(long long expires_on, const std::string& token = kToken) {
  return R"({"access_token":")" + token + R"(","expires_on":")" + std::to_string(expires_on) +
         R"(","resource":"https://cognitiveservices.azure.com","token_type":"Bearer"})";
}
std::string good_body() { return token_body(1'800'000'000 + 86399); }

struct Outcome {
  std::string message;
  ErrorCode code = ErrorCode::kFailed;
  bool unavailable = false;
};

// Runs get_token, expects it to throw, and checks the message holds none of our secrets.
Outcome failure(ManagedIdentityCredential& c, TokenRequest request = cognitive()) {
  try {
    (void)c.get_token(request);
  } catch (const UnavailableError& e) {
    return {e.what(), e.code(), true};
  } catch (const Error& e) {
    Outcome o{e.what(), e.code(), false};
    testing::expect_no_secret(o.message, kToken);
    testing::expect_no_secret(o.message, kIdentityHeader);
    return o;
  }
  ADD_FAILURE() << "get_token() did not throw";
  return {};
}

// The query parameters of a URL, decoded.
url::Params query_of(const std::string& u) {
  const auto q = u.find('?');
  return q == std::string::npos ? url::Params{} : url::parse_query(u.substr(q + 1));
}

std::optional<std::string> header_of(const http::Request& r, std::string_view name) {
  if (auto v = http::find_header(r.headers, name)) return std::string(*v);
  return std::nullopt;
}

class ManagedIdentity : public ::testing::Test {
 protected:
  std::shared_ptr<FakeMetadataTransport> transport_ = std::make_shared<FakeMetadataTransport>(
      [](const http::Request&) { return reply(200, good_body()); });
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>(kNow);

  void answer(FakeMetadataTransport::Handler h) {
    transport_ = std::make_shared<FakeMetadataTransport>(std::move(h));
  }
  static ManagedIdentityCredentialOptions fast(ManagedIdentityId id = {}) {
    ManagedIdentityCredentialOptions o;
    o.id = std::move(id);
    o.retry.initial_delay = 1ms;
    o.retry.max_delay = 2ms;
    return o;
  }
  ManagedIdentityCredential imds(ManagedIdentityCredentialOptions o = fast(),
                                 std::map<std::string, std::string> env = {}) {
    env.try_emplace("AZURE_POD_IDENTITY_AUTHORITY_HOST", kImdsHost);
    return ManagedIdentityCredential(testing::fake_ambient(transport_, std::move(env), clock_),
                                     std::move(o));
  }
  ManagedIdentityCredential with_env(std::map<std::string, std::string> env,
                                     ManagedIdentityCredentialOptions o = fast()) {
    return ManagedIdentityCredential(testing::fake_ambient(transport_, std::move(env), clock_),
                                     std::move(o));
  }
  static std::map<std::string, std::string> app_service_env() {
    return {{"IDENTITY_ENDPOINT", kAppServiceUrl}, {"IDENTITY_HEADER", kIdentityHeader}};
  }
  static std::map<std::string, std::string> arc_env() {
    return {{"IDENTITY_ENDPOINT", kArcUrl}, {"IMDS_ENDPOINT", "http://127.0.0.1:9"}};
  }
};

// --- source selection -----------------------------------------------------------------------

TEST_F(ManagedIdentity, Selection_NoEnvironment_IsImdsAtTheLinkLocalAddress) {
  auto c = with_env({});
  EXPECT_EQ(c.source(), ManagedIdentitySource::kImds);
  EXPECT_EQ(c.endpoint(), "http://169.254.169.254/metadata/identity/oauth2/token");
  EXPECT_EQ(c.name(), "ManagedIdentityCredential");
}

TEST_F(ManagedIdentity, Selection_PodIdentityHost_GetsTheTokenPathAppended) {
  EXPECT_EQ(with_env({{"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9/"}}).endpoint(),
            kImdsUrl);
}

TEST_F(ManagedIdentity, Selection_ImdsEndpointOption_WinsOverTheEnvironment) {
  auto o = fast();
  o.imds_endpoint = "http://127.0.0.2:8";
  EXPECT_EQ(imds(o).endpoint(), "http://127.0.0.2:8/metadata/identity/oauth2/token");
  o.imds_endpoint = "http://127.0.0.2:8/custom/token";
  EXPECT_EQ(imds(o).endpoint(), "http://127.0.0.2:8/custom/token");
}

TEST_F(ManagedIdentity, Selection_AppServiceNeedsEndpointAndHeader_AndComesFirst) {
  auto env = app_service_env();
  env["MSI_ENDPOINT"] = kCloudShellUrl;
  env["IMDS_ENDPOINT"] = "http://127.0.0.1:9";
  auto c = with_env(env);
  EXPECT_EQ(c.source(), ManagedIdentitySource::kAppService);
  EXPECT_EQ(c.endpoint(), kAppServiceUrl);
  // IDENTITY_ENDPOINT alone is neither App Service nor Arc: IMDS.
  EXPECT_EQ(with_env({{"IDENTITY_ENDPOINT", kAppServiceUrl}}).source(),
            ManagedIdentitySource::kImds);
}

TEST_F(ManagedIdentity, Selection_CloudShellComesBeforeArc) {
  auto env = arc_env();
  env["MSI_ENDPOINT"] = kCloudShellUrl;
  EXPECT_EQ(with_env(env).source(), ManagedIdentitySource::kCloudShell);
  EXPECT_EQ(with_env({{"MSI_ENDPOINT", kCloudShellUrl}}).source(),
            ManagedIdentitySource::kCloudShell);
  EXPECT_EQ(with_env(arc_env()).source(), ManagedIdentitySource::kAzureArc);
}

TEST_F(ManagedIdentity, Selection_AzureClientIdIsNotUsedImplicitly) {
  auto c = imds(fast(), {{"AZURE_CLIENT_ID", kClientId}});
  (void)c.get_token(cognitive());
  const auto q = query_of(transport_->requests().at(0).url);
  for (const auto& [k, v] : q) EXPECT_NE(k, "client_id");
}

// --- request shapes -------------------------------------------------------------------------

TEST_F(ManagedIdentity, Imds_SystemAssigned_SendsTheDocumentedRequest) {
  auto c = imds();
  const auto token = c.get_token(cognitive());
  EXPECT_EQ(token->token.reveal(), kToken);
  EXPECT_EQ(token->credential, "ManagedIdentityCredential (IMDS)");
  EXPECT_EQ(token->expires_on, kNow + 86399s);

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            std::string(kImdsUrl) +
                "?api-version=2018-02-01&resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(header_of(r, "Metadata"), "true");
  EXPECT_FALSE(header_of(r, "Authorization"));
  EXPECT_EQ(r.timeout, 10s);
}

TEST_F(ManagedIdentity, Imds_UserAssigned_UsesClientIdObjectIdOrMsiResId) {
  const std::vector<std::pair<ManagedIdentityId, std::pair<std::string, std::string>>> cases = {
      {ManagedIdentityId::client_id(kClientId), {"client_id", kClientId}},
      {ManagedIdentityId::object_id(kObjectId), {"object_id", kObjectId}},
      {ManagedIdentityId::resource_id(kResourceId), {"msi_res_id", kResourceId}},
  };
  for (const auto& [id, param] : cases) {
    answer([](const http::Request&) { return reply(200, good_body()); });
    auto c = imds(fast(id));
    (void)c.get_token(cognitive());
    const auto q = query_of(transport_->requests().at(0).url);
    ASSERT_EQ(q.size(), 3u) << param.first;
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"api-version", "2018-02-01"}));
    EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"resource", kResource}));
    EXPECT_EQ(q[2], param);
  }
}

TEST_F(ManagedIdentity, AppService_SendsIdentityHeaderAndApi20190801) {
  auto c = with_env(app_service_env());
  const auto token = c.get_token(cognitive());
  EXPECT_EQ(token->credential, "ManagedIdentityCredential (App Service)");
  const auto r = transport_->requests().at(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url,
            std::string(kAppServiceUrl) +
                "?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(header_of(r, "X-IDENTITY-HEADER"), kIdentityHeader);
  EXPECT_FALSE(header_of(r, "Metadata"));
}

TEST_F(ManagedIdentity, AppService_UserAssigned_UsesClientIdPrincipalIdOrMiResId) {
  const std::vector<std::pair<ManagedIdentityId, std::string>> cases = {
      {ManagedIdentityId::client_id(kClientId), "client_id"},
      {ManagedIdentityId::object_id(kObjectId), "principal_id"},
      {ManagedIdentityId::resource_id(kResourceId), "mi_res_id"},
  };
  for (const auto& [id, key] : cases) {
    answer([](const http::Request&) { return reply(200, good_body()); });
    auto c = with_env(app_service_env(), fast(id));
    (void)c.get_token(cognitive());
    const auto q = query_of(transport_->requests().at(0).url);
    ASSERT_EQ(q.size(), 3u);
    EXPECT_EQ(q[2].first, key);
    EXPECT_EQ(q[2].second, id.value);
  }
}

TEST_F(ManagedIdentity, CloudShell_PostsAFormWithMetadataHeader) {
  auto c = with_env({{"MSI_ENDPOINT", kCloudShellUrl}});
  const auto token = c.get_token(cognitive());
  EXPECT_EQ(token->credential, "ManagedIdentityCredential (Cloud Shell)");
  const auto r = transport_->requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kCloudShellUrl);
  EXPECT_EQ(r.body, "resource=https%3A%2F%2Fcognitiveservices.azure.com");
  EXPECT_EQ(header_of(r, "Metadata"), "true");
  EXPECT_EQ(header_of(r, "Content-Type"), "application/x-www-form-urlencoded");
}

TEST_F(ManagedIdentity, CloudShell_RejectsEveryUserAssignedId) {
  // Cloud Shell answers with the signed-in user's token whatever id is asked for.
  for (const auto& id : {ManagedIdentityId::client_id(kClientId), ManagedIdentityId::object_id(kObjectId),
                         ManagedIdentityId::resource_id("/subscriptions/s/x")}) {
    auto bad = with_env({{"MSI_ENDPOINT", kCloudShellUrl}}, fast(id));
    const auto o = failure(bad);
    EXPECT_FALSE(o.unavailable);
    EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
    EXPECT_NE(o.message.find("signed-in user's token only"), std::string::npos) << o.message;
  }
  EXPECT_TRUE(transport_->requests().empty());  // nothing was sent
}

// --- Azure Arc ------------------------------------------------------------------------------

class ArcChallenge : public ManagedIdentity {
 protected:
  testing::TempDir keys_;
  std::string key_ = std::string(64, 'a');

  // 401 with a realm naming `realm`, then 200 when the key arrives.
  void challenge_with(std::string realm) {
    answer([this, realm](const http::Request& r) {
      if (!http::find_header(r.headers, "Authorization")) {
        return reply(401, R"({"error":"unauthorized"})",
                     {{"WWW-Authenticate", "Basic realm=" + realm}});
      }
      if (header_of(r, "Authorization") == "Basic " + key_) return reply(200, good_body());
      return reply(401, "wrong key", {{"WWW-Authenticate", "Basic realm=" + realm}});
    });
  }
  ManagedIdentityCredential arc(ManagedIdentityCredentialOptions o = fast()) {
    o.arc_key_dir = keys_.path().string();
    return with_env(arc_env(), std::move(o));
  }
};

TEST_F(ArcChallenge, RoundTrip_SendsTheKeyFileContentsAsBasicAuthorization) {
  const auto file = keys_.write("abc.key", key_ + "\n");
  challenge_with(file.string());
  auto c = arc();
  const auto token = c.get_token(cognitive());
  EXPECT_EQ(token->token.reveal(), kToken);
  EXPECT_EQ(token->credential, "ManagedIdentityCredential (Azure Arc)");

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.url,
              std::string(kArcUrl) +
                  "?api-version=2020-06-01&resource=https%3A%2F%2Fcognitiveservices.azure.com");
    EXPECT_EQ(header_of(r, "Metadata"), "true");
  }
  EXPECT_FALSE(header_of(requests[0], "Authorization"));
  EXPECT_EQ(header_of(requests[1], "Authorization"), "Basic " + key_);
}

TEST_F(ArcChallenge, KeyDirWithTrailingSlash_IsTheSameFolder) {
  const auto file = keys_.write("abc.key", key_);
  challenge_with(file.string());
  auto o = fast();
  o.arc_key_dir = keys_.path().string() + "/";
  auto c = with_env(arc_env(), o);
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
}

TEST_F(ArcChallenge, FileOutsideTheKeyFolder_IsRefusedWithoutReadingIt) {
  testing::TempDir elsewhere;
  const auto file = elsewhere.write("abc.key", key_);
  challenge_with(file.string());
  auto c = arc();
  const auto o = failure(c);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("not in the agent's token folder"), std::string::npos) << o.message;
  EXPECT_EQ(transport_->requests().size(), 1u);
  testing::expect_no_secret(o.message, key_);
}

TEST_F(ArcChallenge, DotDotOutOfTheFolder_IsRefused) {
  testing::TempDir elsewhere;
  const auto file = elsewhere.write("abc.key", key_);
  challenge_with((keys_.path() / ".." / file.parent_path().filename() / "abc.key").string());
  auto c = arc();
  const auto o = failure(c);
  EXPECT_NE(o.message.find("not in the agent's token folder"), std::string::npos) << o.message;
  EXPECT_EQ(transport_->requests().size(), 1u);
}

TEST_F(ArcChallenge, RelativePath_IsRefused) {
  challenge_with("abc.key");
  auto c = arc();
  EXPECT_NE(failure(c).message.find("not in the agent's token folder"), std::string::npos);
}

TEST_F(ArcChallenge, WrongSuffix_IsRefused) {
  const auto file = keys_.write("abc.txt", key_);
  challenge_with(file.string());
  auto c = arc();
  const auto o = failure(c);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("does not end in .key"), std::string::npos) << o.message;
  EXPECT_EQ(transport_->requests().size(), 1u);
}

TEST_F(ArcChallenge, FileLargerThan4096Bytes_IsRefused) {
  const auto file = keys_.write("big.key", std::string(4097, 'b'));
  challenge_with(file.string());
  auto c = arc();
  const auto o = failure(c);
  EXPECT_EQ(o.code, ErrorCode::kInvalidInput);
  EXPECT_NE(o.message.find("larger than 4096 bytes"), std::string::npos) << o.message;
  EXPECT_EQ(transport_->requests().size(), 1u);
}

TEST_F(ArcChallenge, FileOf4096Bytes_IsAccepted) {
  key_ = std::string(4096, 'c');
  const auto file = keys_.write("max.key", key_);
  challenge_with(file.string());
  auto c = arc();
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
}

TEST_F(ArcChallenge, MissingFile_SaysSo) {
  challenge_with((keys_.path() / "gone.key").string());
  auto c = arc();
  EXPECT_NE(failure(c).message.find("does not exist"), std::string::npos);
}

TEST_F(ArcChallenge, ChallengeWithoutBasicRealm_IsAnError) {
  answer([](const http::Request&) { return reply(401, "", {{"WWW-Authenticate", "Bearer x"}}); });
  auto c = arc();
  const auto o = failure(c);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("Basic realm="), std::string::npos) << o.message;

  answer([](const http::Request&) { return reply(401, ""); });
  auto d = arc();
  EXPECT_NE(failure(d).message.find("without a WWW-Authenticate"), std::string::npos);
}

TEST_F(ArcChallenge, KeyRefused_IsAnErrorWithoutTheKey) {
  const auto file = keys_.write("abc.key", key_);
  challenge_with(file.string());
  key_ = std::string(64, 'z');  // the endpoint now expects another key
  std::string sent_key = std::string(64, 'a');
  auto c = arc();
  const auto o = failure(c);
  EXPECT_EQ(o.code, ErrorCode::kHttpStatus);
  EXPECT_NE(o.message.find("refused the key"), std::string::npos) << o.message;
  testing::expect_no_secret(o.message, sent_key);
  EXPECT_EQ(transport_->requests().size(), 2u);
}

TEST_F(ArcChallenge, UserAssigned_SelectorIsSentAndTheEchoConfirmsIt) {
  const auto file = keys_.write("abc.key", key_);
  answer([file](const http::Request& r) {
    if (!http::find_header(r.headers, "Authorization")) {
      return reply(401, "{}", {{"WWW-Authenticate", "Basic realm=" + file.string()}});
    }
    auto body = json::parse(good_body(), "body");
    body["object_id"] = std::string(kObjectId);  // upper/lower case does not matter
    for (auto& c : body["object_id"].get_ref<std::string&>()) c = static_cast<char>(std::toupper(c));
    return reply(200, body.dump());
  });
  auto c = arc(fast(ManagedIdentityId::object_id(kObjectId)));
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
  EXPECT_EQ(transport_->requests().at(1).url,
            std::string(kArcUrl) + "?api-version=2020-06-01&resource=https%3A%2F%2Fcognitiveservices"
                                   ".azure.com&object_id=" + kObjectId);
}

TEST_F(ArcChallenge, UserAssigned_WithoutTheEcho_FailsClosed) {
  // An agent that predates user-assigned identities ignores the selector and answers with the
  // system-assigned identity's token: that token must not be handed out as the asked-for one.
  const auto file = keys_.write("abc.key", key_);
  challenge_with(file.string());
  auto c = arc(fast(ManagedIdentityId::client_id(kClientId)));
  const auto o = failure(c);
  EXPECT_FALSE(o.unavailable);
  EXPECT_EQ(o.code, ErrorCode::kFailed);
  EXPECT_NE(o.message.find("did not confirm"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find(kClientId), std::string::npos) << o.message;
  testing::expect_no_secret(o.message, kToken);
}

// --- probe ------------------------------------------------------------------------------------

TEST_F(ManagedIdentity, Probe_ConnectionRefused_IsUnavailableAfterOneShortAttempt) {
  answer(testing::refused_connection);
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  const auto out = failure(c);
  EXPECT_TRUE(out.unavailable) << out.message;
  EXPECT_NE(out.message.find("no IMDS endpoint answered"), std::string::npos) << out.message;
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].timeout, 1s);
  EXPECT_EQ(requests[0].connect_timeout, 1s);
}

TEST_F(ManagedIdentity, Probe_Timeout_IsUnavailable) {
  answer(testing::timeout_failure);
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  EXPECT_TRUE(failure(c).unavailable);
  EXPECT_EQ(transport_->requests().size(), 1u);
}

TEST_F(ManagedIdentity, Probe_DockerDesktopUnreachable403_IsUnavailable) {
  answer([](const http::Request&) {
    return reply(403, "A socket operation was attempted to an unreachable network.");
  });
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  EXPECT_TRUE(failure(c).unavailable);
  // Without the probe too, as azure-identity does.
  auto d = imds(fast());
  EXPECT_TRUE(failure(d).unavailable);
}

TEST_F(ManagedIdentity, Probe_OnceAnswered_LaterFailuresAreErrors) {
  int calls = 0;
  answer([&](const http::Request& r) {
    if (++calls == 1) return reply(200, good_body());
    return testing::refused_connection(r);
  });
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
  const auto out = failure(c);
  EXPECT_FALSE(out.unavailable) << out.message;
  EXPECT_EQ(out.code, ErrorCode::kNetwork);
  // The second call used the full policy: 10 s requests, every attempt.
  const auto requests = transport_->requests();
  EXPECT_EQ(requests.size(), 1u + 6u);
  EXPECT_EQ(requests.back().timeout, 10s);
}

TEST_F(ManagedIdentity, Probe_RetryableAnswer_GoesOnWithRetries) {
  int calls = 0;
  answer([&](const http::Request&) {
    return ++calls <= 2 ? reply(500, R"({"error":"server_error"})") : reply(200, good_body());
  });
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
  EXPECT_EQ(calls, 3);
}

TEST_F(ManagedIdentity, NoProbe_ConnectionRefused_IsAnErrorAfterEveryAttempt) {
  answer(testing::refused_connection);
  auto c = imds();
  const auto out = failure(c);
  EXPECT_FALSE(out.unavailable);
  EXPECT_EQ(out.code, ErrorCode::kNetwork);
  EXPECT_NE(out.message.find("no answer from IMDS at http://127.0.0.1:9"), std::string::npos)
      << out.message;
  EXPECT_EQ(transport_->requests().size(), 6u);
}

// The loopback-only guard (tests) or a proxy rule refusing the destination: in a probe, no
// IMDS here; otherwise the code survives, so DefaultAzureCredential can tell.
TEST_F(ManagedIdentity, TransportRefusal_IsUnavailableInAProbe_AndKeepsItsCodeOtherwise) {
  answer([](const http::Request& r) -> http::Response {
    throw Error("refused to connect to " + http::loggable_url(r.url), ErrorCode::kRefused);
  });
  auto o = fast();
  o.probe = true;
  auto c = imds(o);
  EXPECT_TRUE(failure(c).unavailable);
  auto d = imds();
  const auto out = failure(d);
  EXPECT_FALSE(out.unavailable);
  EXPECT_EQ(out.code, ErrorCode::kRefused);
  EXPECT_EQ(transport_->requests().size(), 2u);  // a refusal is never retried
}

TEST_F(ManagedIdentity, Probe_AppliesToImdsOnly) {
  answer(testing::refused_connection);
  auto o = fast();
  o.probe = true;
  auto c = with_env(app_service_env(), o);
  const auto out = failure(c);
  EXPECT_FALSE(out.unavailable);
  EXPECT_EQ(out.code, ErrorCode::kNetwork);
}

// --- retries ----------------------------------------------------------------------------------

TEST_F(ManagedIdentity, Imds_404And410AreRetried) {
  int calls = 0;
  answer([&](const http::Request&) {
    ++calls;
    if (calls == 1) return reply(404, "not ready");
    if (calls == 2) return reply(410, "gone");
    return reply(200, good_body());
  });
  auto c = imds();
  EXPECT_EQ(c.get_token(cognitive())->token.reveal(), kToken);
  EXPECT_EQ(calls, 3);
}

TEST_F(ManagedIdentity, AppService_404IsNotRetried) {
  answer([](const http::Request&) { return reply(404, R"({"message":"no such thing"})"); });
  auto c = with_env(app_service_env());
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kHttpStatus);
  EXPECT_EQ(transport_->requests().size(), 1u);
}

// --- errors ---------------------------------------------------------------------------------

TEST_F(ManagedIdentity, Imds_UnknownUserAssignedIdentity_SaysWhichId) {
  answer([](const http::Request&) {
    return reply(400, R"({"error":"invalid_request","error_description":"Identity not found"})");
  });
  auto c = imds(fast(ManagedIdentityId::client_id(kClientId)));
  const auto out = failure(c);
  EXPECT_FALSE(out.unavailable);
  EXPECT_EQ(out.code, ErrorCode::kHttpStatus);
  EXPECT_NE(out.message.find("client id '" + std::string(kClientId) + "'"), std::string::npos)
      << out.message;
  EXPECT_NE(out.message.find("Identity not found"), std::string::npos);
  EXPECT_EQ(transport_->requests().size(), 1u);  // 400 is never retried
}

TEST_F(ManagedIdentity, AppService_RefusedHeader_NamesTheVariableNotItsValue) {
  answer([](const http::Request&) {
    return reply(403, std::string(R"({"statusCode":403,"message":"bad header )") + kIdentityHeader +
                          R"(","correlationId":"x"})");
  });
  auto c = with_env(app_service_env());
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kHttpStatus);
  EXPECT_NE(out.message.find("IDENTITY_HEADER is wrong or stale"), std::string::npos)
      << out.message;
}

TEST_F(ManagedIdentity, ServerError_AfterRetries_IsAnErrorWithStatus) {
  answer([](const http::Request&) {
    return reply(503, R"({"error":"server_error","error_description":"try later"})");
  });
  auto c = imds();
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kHttpStatus);
  EXPECT_NE(out.message.find("answered HTTP 503: server_error: try later"), std::string::npos)
      << out.message;
}

TEST_F(ManagedIdentity, MalformedJson_IsInvalidInput) {
  answer([](const http::Request&) {
    return reply(200, std::string("{\"access_token\":\"") + kToken);
  });
  auto c = imds();
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kInvalidInput);
  EXPECT_NE(out.message.find("invalid JSON"), std::string::npos) << out.message;
}

TEST_F(ManagedIdentity, MissingAccessToken_IsInvalidInput) {
  answer([](const http::Request&) { return reply(200, R"({"expires_on":"1900000000"})"); });
  auto c = imds();
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kInvalidInput);
  EXPECT_NE(out.message.find("/access_token is missing"), std::string::npos) << out.message;
}

TEST_F(ManagedIdentity, ExpiredToken_IsAnError) {
  answer([](const http::Request&) { return reply(200, token_body(1'800'000'000 - 60)); });
  auto c = imds();
  const auto out = failure(c);
  EXPECT_NE(out.message.find("expired"), std::string::npos) << out.message;
}

TEST_F(ManagedIdentity, NoExpiry_IsInvalidInput) {
  answer([](const http::Request&) {
    return reply(200, std::string(R"({"access_token":")") + kToken + R"("})");
  });
  auto c = imds();
  EXPECT_EQ(failure(c).code, ErrorCode::kInvalidInput);
}

TEST_F(ManagedIdentity, GarbageExpiresOn_IsInvalidInput) {
  answer([](const http::Request&) {
    return reply(200, std::string(R"({"access_token":")") + kToken + R"(","expires_on":"soon"})");
  });
  auto c = imds();
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kInvalidInput);
  EXPECT_NE(out.message.find("/expires_on"), std::string::npos) << out.message;
}

TEST_F(ManagedIdentity, MultipleScopes_AreRejected) {
  auto c = imds();
  const auto out = failure(c, TokenRequest{{"a/.default", "b/.default"}, "", ""});
  EXPECT_EQ(out.code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(ManagedIdentity, MalformedEndpointVariable_FailsAtGetTokenNotConstruction) {
  auto c = with_env({{"IDENTITY_ENDPOINT", "not a url"}, {"IDENTITY_HEADER", kIdentityHeader}});
  const auto out = failure(c);
  EXPECT_EQ(out.code, ErrorCode::kInvalidInput);
  EXPECT_NE(out.message.find("IDENTITY_ENDPOINT"), std::string::npos) << out.message;
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(ManagedIdentity, IdsThatCouldRewriteTheQuery_AreRejectedBeforeSending) {
  const std::vector<ManagedIdentityId> bad = {
      ManagedIdentityId::client_id(std::string(kClientId) + "&resource=https://evil"),
      ManagedIdentityId::client_id("abc/def"),
      ManagedIdentityId::client_id("abc\r\nX-Injected: 1"),
      ManagedIdentityId::client_id(""),
      ManagedIdentityId::object_id("a b"),
      ManagedIdentityId::resource_id("/subscriptions/x?client_id=y"),
      ManagedIdentityId::resource_id("subscriptions/x"),
      ManagedIdentityId::resource_id("/subscriptions/x%2F"),
      ManagedIdentityId{ManagedIdentityId::Kind::kSystem, "something"},
  };
  for (const auto& id : bad) {
    auto c = imds(fast(id));
    const auto out = failure(c);
    EXPECT_EQ(out.code, ErrorCode::kInvalidInput) << id.value;
    EXPECT_EQ(out.message.find('\n'), std::string::npos);
  }
  EXPECT_TRUE(transport_->requests().empty());
}

// --- expiry and refresh ---------------------------------------------------------------------

TEST_F(ManagedIdentity, LongLivedToken_RefreshesAtHalfItsLifetime) {
  auto c = imds();
  const auto t = c.get_token(cognitive());
  ASSERT_TRUE(t->refresh_on);
  EXPECT_EQ(*t->refresh_on, kNow + std::chrono::milliseconds(43'199'500));  // 86399 s / 2
}

TEST_F(ManagedIdentity, ShortLivedToken_LeavesRefreshToTheCache) {
  answer([](const http::Request&) { return reply(200, token_body(1'800'000'000 + 3600)); });
  auto c = imds();
  EXPECT_FALSE(c.get_token(cognitive())->refresh_on);

  answer([](const http::Request&) { return reply(200, token_body(1'800'000'000 + 7200)); });
  auto d = imds();
  EXPECT_EQ(d.get_token(cognitive())->refresh_on, kNow + 3600s);
}

TEST_F(ManagedIdentity, ExpiresOn_AsNumberOrExpiresIn_AreAccepted) {
  answer([](const http::Request&) {
    return reply(200,
                 std::string(R"({"access_token":")") + kToken + R"(","expires_on":1800003600})");
  });
  EXPECT_EQ(imds().get_token(cognitive())->expires_on, kNow + 3600s);
  answer([](const http::Request&) {
    return reply(200, std::string(R"({"access_token":")") + kToken + R"(","expires_in":"600"})");
  });
  EXPECT_EQ(imds().get_token(cognitive())->expires_on, kNow + 600s);
}

TEST_F(ManagedIdentity, AppService2017DateForm_IsAccepted) {
  // kNow is 2027-01-15T08:00:00Z.
  const std::vector<std::pair<std::string, TimePoint>> cases = {
      {"01/15/2027 09:00:00 +00:00", kNow + 1h},
      {"01/15/2027 09:00:00 AM +00:00", kNow + 1h},
      {"1/15/2027 3:30:00 PM +00:00", kNow + 7h + 30min},
      {"01/15/2027 10:00:00 +01:00", kNow + 1h},
      {"2027-01-15T09:00:00Z", kNow + 1h},
  };
  for (const auto& [text, expected] : cases) {
    answer([text = text](const http::Request&) {
      return reply(200, std::string(R"({"access_token":")") + kToken + R"(","expires_on":")" +
                            text + R"("})");
    });
    auto c = with_env(app_service_env());
    EXPECT_EQ(c.get_token(cognitive())->expires_on, expected) << text;
  }
}

TEST(ManagedIdentityId, Describe_NamesTheKindAndValue) {
  EXPECT_EQ(ManagedIdentityId::system().describe(), "the system-assigned identity");
  EXPECT_EQ(ManagedIdentityId::object_id("x").describe(),
            "the user-assigned identity with object id 'x'");
  EXPECT_EQ(to_string(ManagedIdentitySource::kAzureArc), "Azure Arc");
}

}  // namespace
}  // namespace llmauth::azure
