// ManagedIdentityCredential against the emulator's IMDS, App Service, Cloud Shell and Azure Arc
// endpoints. Every token we get is looked up in the emulator's registry: known there means it
// was really issued to the identity we asked for.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "llmauth/azure/credentials/managed_identity_credential.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/json.hpp"
#include "support/test_support.hpp"

namespace llmauth::azure {
namespace {

using namespace std::chrono_literals;
using testing::Emulator;

constexpr const char* kSystemClientId = "22222222-2222-2222-2222-222222222222";
constexpr const char* kUserClientId = "44444444-4444-4444-4444-444444444444";
constexpr const char* kUserObjectId = "55555555-5555-5555-5555-555555555555";
constexpr const char* kUserResourceId =
    "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/llmauth-test/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/llmauth-test-identity";
constexpr const char* kIdentityHeader = "emulator-identity-header";

TokenRequest cognitive() { return TokenRequest{{std::string(kCognitiveServicesScope)}, "", ""}; }

std::string arc_key_dir() {
  std::ifstream in(std::string(LLMAUTH_EMULATOR_STATE_DIR) + "/emulator.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), "emulator.json").at("arc_key_dir").get<std::string>();
}

struct Failure {
  std::string message;
  ErrorCode code = ErrorCode::kFailed;
  bool unavailable = false;
};

Failure failure_of(ManagedIdentityCredential& c) {
  try {
    (void)c.get_token(cognitive());
  } catch (const UnavailableError& e) {
    return {e.what(), e.code(), true};
  } catch (const Error& e) {
    return {e.what(), e.code(), false};
  }
  ADD_FAILURE() << "get_token() did not throw";
  return {};
}

class ManagedIdentityEmulator : public ::testing::Test {
 protected:
  void SetUp() override { Emulator::get().reset(); }

  static std::string url() { return Emulator::get().http_url(); }
  static long long count(const std::string& name) { return Emulator::get().counter(name); }
  static void imds_mode(const std::string& mode) {
    Emulator::get().config({{"azure", {{"imds", {{"mode", mode}}}}}});
  }
  // The emulator's record of a token we got.
  static json::Json lookup(const AccessToken& t) {
    return Emulator::get().control("POST", "/__control/azure/tokens/lookup",
                                   {{"token", std::string(t.token.reveal())}});
  }
  static ManagedIdentityCredentialOptions options(ManagedIdentityId id = {}) {
    ManagedIdentityCredentialOptions o;
    o.id = std::move(id);
    o.retry.initial_delay = 10ms;
    o.retry.max_delay = 50ms;
    o.arc_key_dir = arc_key_dir();
    return o;
  }
  static std::map<std::string, std::string> imds_env() {
    return {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", url()}};
  }
  static std::map<std::string, std::string> app_service_env(
      const std::string& header = kIdentityHeader) {
    return {{"IDENTITY_ENDPOINT", url() + "/msi/token"}, {"IDENTITY_HEADER", header}};
  }
  static std::map<std::string, std::string> cloud_shell_env() {
    return {{"MSI_ENDPOINT", url() + "/cloudshell/token"}};
  }
  static std::map<std::string, std::string> arc_env() {
    return {{"IDENTITY_ENDPOINT", url() + "/arc/token"}, {"IMDS_ENDPOINT", url()}};
  }
  // The emulator's log entry of the last request to `target`.
  static json::Json last_request(const std::string& target) {
    const auto entries =
        Emulator::get().control("GET", "/__control/requests?target=" + target + "&limit=1");
    return entries.is_array() && !entries.empty() ? entries.back() : json::Json::object();
  }
  static void expect_issued(const AccessToken& t, const std::string& source,
                            const std::string& client_id) {
    const auto record = lookup(t);
    ASSERT_TRUE(record.value("known", false)) << record.dump();
    EXPECT_EQ(record.value("source", ""), source);
    EXPECT_EQ(record.value("client_id", ""), client_id);
    EXPECT_EQ(record.value("resource", ""), "https://cognitiveservices.azure.com");
    EXPECT_FALSE(record.value("expired", true));
  }
};

TEST_F(ManagedIdentityEmulator, Imds_SystemAssigned_GetsARegisteredToken) {
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), options());
  EXPECT_EQ(c.source(), ManagedIdentitySource::kImds);
  const auto t = c.get_token(cognitive());
  EXPECT_EQ(t->credential, "ManagedIdentityCredential (IMDS)");
  expect_issued(*t, "imds", kSystemClientId);
  EXPECT_EQ(lookup(*t).value("identity", ""), "system-assigned");
  // 86399 s: refreshed at half its lifetime.
  ASSERT_TRUE(t->refresh_on);
  EXPECT_GT(t->expires_on, std::chrono::system_clock::now() + 23h);
  EXPECT_LT(*t->refresh_on, std::chrono::system_clock::now() + 12h + 1min);
  EXPECT_EQ(count("azure.imds"), 1);
}

TEST_F(ManagedIdentityEmulator, Imds_UserAssigned_ByClientIdObjectIdAndResourceId) {
  for (const auto& id :
       {ManagedIdentityId::client_id(kUserClientId), ManagedIdentityId::object_id(kUserObjectId),
        ManagedIdentityId::resource_id(kUserResourceId)}) {
    ManagedIdentityCredential c(testing::test_ambient(imds_env()), options(id));
    const auto t = c.get_token(cognitive());
    expect_issued(*t, "imds", kUserClientId);
  }
  EXPECT_EQ(count("azure.imds"), 3);
}

TEST_F(ManagedIdentityEmulator, Imds_RequestShape_AsTheEmulatorSawIt) {
  ManagedIdentityCredential c(testing::test_ambient(imds_env()),
                              options(ManagedIdentityId::resource_id(kUserResourceId)));
  (void)c.get_token(cognitive());
  const auto r = last_request("azure.imds");
  EXPECT_EQ(r.value("method", ""), "GET");
  EXPECT_EQ(r.value("path", ""), "/metadata/identity/oauth2/token");
  EXPECT_EQ(r["query"].value("api-version", ""), "2018-02-01");
  EXPECT_EQ(r["query"].value("resource", ""), "https://cognitiveservices.azure.com");
  EXPECT_EQ(r["query"].value("msi_res_id", ""), kUserResourceId);
  EXPECT_EQ(r["headers"].value("metadata", ""), "true");
}

TEST_F(ManagedIdentityEmulator, Imds_UnknownUserAssignedIdentity_IsAnErrorNamingIt) {
  const std::string unknown = "99999999-9999-9999-9999-999999999999";
  ManagedIdentityCredential c(testing::test_ambient(imds_env()),
                              options(ManagedIdentityId::client_id(unknown)));
  const auto f = failure_of(c);
  EXPECT_FALSE(f.unavailable);
  EXPECT_EQ(f.code, ErrorCode::kHttpStatus);
  EXPECT_NE(f.message.find(unknown), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("Identity not found"), std::string::npos) << f.message;
  EXPECT_EQ(count("azure.imds"), 1);
}

TEST_F(ManagedIdentityEmulator, Imds_ServerErrorThenSuccess_IsRetried) {
  Emulator::get().fault("azure.imds", 1, 500);
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), options());
  expect_issued(*c.get_token(cognitive()), "imds", kSystemClientId);
  EXPECT_EQ(count("azure.imds"), 2);
}

TEST_F(ManagedIdentityEmulator, Imds_NotFoundEverywhere_IsRetriedThenAnError) {
  imds_mode("not-found");
  auto o = options();
  o.retry.max_attempts = 3;
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), o);
  const auto f = failure_of(c);
  EXPECT_FALSE(f.unavailable);
  EXPECT_EQ(f.code, ErrorCode::kHttpStatus);
  EXPECT_NE(f.message.find("HTTP 404"), std::string::npos) << f.message;
  EXPECT_EQ(count("azure.imds"), 3);
}

TEST_F(ManagedIdentityEmulator, Probe_ImdsAbsent_IsUnavailableQuickly) {
  imds_mode("absent");
  auto o = options();
  o.probe = true;
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), o);
  const auto start = std::chrono::steady_clock::now();
  const auto f = failure_of(c);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // a hang guard
  EXPECT_TRUE(f.unavailable) << f.message;
  EXPECT_NE(f.message.find("no IMDS endpoint answered"), std::string::npos) << f.message;
}

TEST_F(ManagedIdentityEmulator, Probe_ImdsTooSlow_IsUnavailable) {
  imds_mode("slow");  // 5 s before answering; the probe waits 1 s
  auto o = options();
  o.probe = true;
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), o);
  const auto start = std::chrono::steady_clock::now();
  const auto f = failure_of(c);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(f.unavailable) << f.message;
}

TEST_F(ManagedIdentityEmulator, Probe_ImdsAvailable_GetsAToken) {
  auto o = options();
  o.probe = true;
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), o);
  expect_issued(*c.get_token(cognitive()), "imds", kSystemClientId);
  expect_issued(*c.get_token(cognitive()), "imds", kSystemClientId);
  EXPECT_EQ(count("azure.imds"), 2);
}

TEST_F(ManagedIdentityEmulator, NoProbe_ImdsAbsent_IsAnError) {
  imds_mode("absent");
  auto o = options();
  o.retry.max_attempts = 2;
  o.timeout = 2s;
  ManagedIdentityCredential c(testing::test_ambient(imds_env()), o);
  const auto f = failure_of(c);
  EXPECT_FALSE(f.unavailable) << f.message;
  EXPECT_TRUE(f.code == ErrorCode::kNetwork || f.code == ErrorCode::kTimeout) << f.message;
}

TEST_F(ManagedIdentityEmulator, AppService_SystemAndUserAssigned) {
  ManagedIdentityCredential system(testing::test_ambient(app_service_env()), options());
  EXPECT_EQ(system.source(), ManagedIdentitySource::kAppService);
  const auto t = system.get_token(cognitive());
  EXPECT_EQ(t->credential, "ManagedIdentityCredential (App Service)");
  expect_issued(*t, "appservice", kSystemClientId);

  for (const auto& id :
       {ManagedIdentityId::client_id(kUserClientId), ManagedIdentityId::object_id(kUserObjectId),
        ManagedIdentityId::resource_id(kUserResourceId)}) {
    ManagedIdentityCredential user(testing::test_ambient(app_service_env()), options(id));
    expect_issued(*user.get_token(cognitive()), "appservice", kUserClientId);
  }
  EXPECT_EQ(count("azure.appservice"), 4);
  const auto r = last_request("azure.appservice");
  EXPECT_EQ(r["query"].value("api-version", ""), "2019-08-01");
  EXPECT_EQ(r["query"].value("mi_res_id", ""), kUserResourceId);
  EXPECT_EQ(r["headers"].value("x-identity-header", ""), kIdentityHeader);
}

TEST_F(ManagedIdentityEmulator, AppService_ObjectIdIsSentAsPrincipalId) {
  ManagedIdentityCredential c(testing::test_ambient(app_service_env()),
                              options(ManagedIdentityId::object_id(kUserObjectId)));
  expect_issued(*c.get_token(cognitive()), "appservice", kUserClientId);
  EXPECT_EQ(last_request("azure.appservice")["query"].value("principal_id", ""), kUserObjectId);
}

TEST_F(ManagedIdentityEmulator, AppService_WrongIdentityHeader_IsAnErrorWithoutIt) {
  const std::string wrong = "not-the-identity-header-value";
  ManagedIdentityCredential c(testing::test_ambient(app_service_env(wrong)), options());
  const auto f = failure_of(c);
  EXPECT_FALSE(f.unavailable);
  EXPECT_EQ(f.code, ErrorCode::kHttpStatus);
  EXPECT_NE(f.message.find("HTTP 403"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("IDENTITY_HEADER"), std::string::npos) << f.message;
  testing::expect_no_secret(f.message, wrong);
  EXPECT_EQ(count("azure.appservice"), 1);
}

TEST_F(ManagedIdentityEmulator, CloudShell_GetsARegisteredToken) {
  ManagedIdentityCredential c(testing::test_ambient(cloud_shell_env()), options());
  EXPECT_EQ(c.source(), ManagedIdentitySource::kCloudShell);
  const auto t = c.get_token(cognitive());
  EXPECT_EQ(t->credential, "ManagedIdentityCredential (Cloud Shell)");
  const auto record = lookup(*t);
  ASSERT_TRUE(record.value("known", false)) << record.dump();
  EXPECT_EQ(record.value("source", ""), "cloudshell");
  EXPECT_EQ(count("azure.cloudshell"), 1);
  const auto r = last_request("azure.cloudshell");
  EXPECT_EQ(r.value("method", ""), "POST");
  EXPECT_EQ(r["form"].value("resource", ""), "https://cognitiveservices.azure.com");
  EXPECT_EQ(r["headers"].value("metadata", ""), "true");
}

TEST_F(ManagedIdentityEmulator, Arc_ChallengeRoundTrip) {
  ManagedIdentityCredential c(testing::test_ambient(arc_env()), options());
  EXPECT_EQ(c.source(), ManagedIdentitySource::kAzureArc);
  const auto t = c.get_token(cognitive());
  EXPECT_EQ(t->credential, "ManagedIdentityCredential (Azure Arc)");
  expect_issued(*t, "arc", kSystemClientId);
  EXPECT_EQ(count("azure.arc"), 2);  // the 401 challenge, then the answer with the key
  const auto r = last_request("azure.arc");
  EXPECT_EQ(r["query"].value("api-version", ""), "2020-06-01");
  EXPECT_EQ(r["headers"].value("authorization", ""), "Basic <redacted>");
  EXPECT_EQ(r.value("status", 0), 200);
}

TEST_F(ManagedIdentityEmulator, Arc_UserAssigned_ByClientIdObjectIdAndResourceId) {
  for (const auto& id :
       {ManagedIdentityId::client_id(kUserClientId), ManagedIdentityId::object_id(kUserObjectId),
        ManagedIdentityId::resource_id(kUserResourceId)}) {
    ManagedIdentityCredential c(testing::test_ambient(arc_env()), options(id));
    const auto t = c.get_token(cognitive());
    expect_issued(*t, "arc", kUserClientId);
  }
}

TEST_F(ManagedIdentityEmulator, Arc_AgentThatIgnoresTheUserAssignedId_IsAnError) {
  // A legacy agent: answers with a token and no echo of the identity asked for.
  Emulator::get().control(
      "POST", "/__control/fault",
      {{"target", "azure.arc"}, {"status", 200},
       {"body", R"({"access_token":"legacy-agent-token-0123456789","expires_in":"3600",)"
                R"("token_type":"Bearer","resource":"https://cognitiveservices.azure.com"})"}});
  ManagedIdentityCredential c(testing::test_ambient(arc_env()),
                              options(ManagedIdentityId::client_id(kUserClientId)));
  const auto f = failure_of(c);
  EXPECT_EQ(f.code, ErrorCode::kFailed);
  EXPECT_NE(f.message.find("did not confirm"), std::string::npos) << f.message;
  testing::expect_no_secret(f.message, "legacy-agent-token-0123456789");
}

TEST_F(ManagedIdentityEmulator, Arc_KeyFolderMismatch_IsRefusedBeforeReadingTheKey) {
  auto o = options();
  o.arc_key_dir = "/var/opt/azcmagent/tokens";  // the agent's real folder, not the emulator's
  ManagedIdentityCredential c(testing::test_ambient(arc_env()), o);
  const auto f = failure_of(c);
  EXPECT_EQ(f.code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.message.find("not in the agent's token folder"), std::string::npos) << f.message;
  EXPECT_EQ(count("azure.arc"), 1);
}

}  // namespace
}  // namespace llmauth::azure
