// `llmauth providers validate|test` and `llmauth chat`'s options end to end, against the
// emulator. (Every auth method through `chat` is llm/chat_matrix_test.cpp.)
#include <gtest/gtest.h>

#include "llmauth/core/json.hpp"
#include "support/cli_runner.hpp"
#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

constexpr const char* kInlineSecret = "inline-azure-openai-key-that-must-not-print";

class CliProviders : public ::testing::Test {
 protected:
  void SetUp() override {
    Emulator::get().reset();
    Emulator::get().control("POST", "/__control/azure/openai/keys",
                            {{"key", kInlineSecret}, {"key_id", "inline"}});
  }

  std::map<std::string, std::string> env() {
    return {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
            {"HOME", home.path().string()},
            {"LLMAUTH_LOOPBACK_ONLY", "1"},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", Emulator::get().http_url()},
            {"GOOD_KEY", "emulator-azure-openai-key-1"},
            {"WRONG_KEY", "a-wrong-azure-openai-key-0123456789"}};
  }
  std::string config() {
    const std::string emu = Emulator::get().http_url();
    const json::Json j = {{"providers",
                           {{{"name", "good"},
                             {"type", "azure_openai"},
                             {"endpoint", emu},
                             {"deployment", "gpt-4o"},
                             {"auth", {{"type", "api_key"}, {"api_key", {{"env", "GOOD_KEY"}}}}}},
                            {{"name", "inline"},
                             {"type", "azure_openai"},
                             {"endpoint", emu},
                             {"deployment", "gpt-4o"},
                             {"auth", {{"type", "api_key"}, {"api_key", kInlineSecret}}}},
                            {{"name", "wrong"},
                             {"type", "azure_openai"},
                             {"endpoint", emu},
                             {"deployment", "gpt-4o"},
                             {"auth", {{"type", "api_key"}, {"api_key", {{"env", "WRONG_KEY"}}}}}},
                            {{"name", "bedrock"},
                             {"type", "aws_bedrock"},
                             {"region", "us-east-1"},
                             {"model", "amazon.nova-lite-v1:0"},
                             {"auth",
                              {{"type", "access_keys"},
                               {"access_key_id", kEmulatorAccessKey},
                               {"secret_access_key", kEmulatorSecretKey}}}}}}};
    return home.write("providers.json", j.dump(2)).string();
  }
  CliResult llmauth(std::vector<std::string> args, std::string stdin_data = {}) {
    return run_cli(std::move(args), env(), std::chrono::seconds(30), std::move(stdin_data));
  }
  TempDir home;
};

TEST_F(CliProviders, ValidateListsProvidersAndExits0) {
  const auto r = llmauth({"providers", "validate", config()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 providers, valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bedrock  aws_bedrock  auth access_keys"), std::string::npos) << r.out;
  expect_no_secret(r.all(), kInlineSecret);
  expect_no_secret(r.all(), kEmulatorSecretKey);
}

TEST_F(CliProviders, ValidatePrintRedactsInlineSecretsButKeepsReferences) {
  const auto r = llmauth({"providers", "validate", "--print", config()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "printed config");
  EXPECT_EQ(j["providers"][1]["auth"]["api_key"], "<redacted>");
  EXPECT_EQ(j["providers"][0]["auth"]["api_key"], (json::Json{{"env", "GOOD_KEY"}}));
  EXPECT_EQ(j["providers"][3]["auth"]["access_key_id"], kEmulatorAccessKey);
  expect_no_secret(r.all(), kInlineSecret);
  expect_no_secret(r.all(), kEmulatorSecretKey);
}

TEST_F(CliProviders, ValidateReportsEveryProblemWithItsPathAndExits1) {
  const auto file =
      std::string(LLMAUTH_SOURCE_DIR) + "/tests/data/config/invalid.five_problems.json";
  const auto r = llmauth({"providers", "validate", file});
  EXPECT_EQ(r.exit_code, 1);
  for (const char* path :
       {"providers[0].auth.api_key", "providers[1].endpoint_url", "providers[1].auth.type",
        "providers[2].name", "providers[2].auth.clientid"}) {
    EXPECT_NE(r.err.find(path), std::string::npos) << path << " not in:\n" << r.err;
  }
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(CliProviders, ValidateSyntaxErrorSaysLineAndColumn) {
  const auto file = std::string(LLMAUTH_SOURCE_DIR) + "/tests/data/config/invalid.syntax.json";
  const auto r = llmauth({"providers", "validate", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
}

TEST_F(CliProviders, TestReportsEachProviderAndFailsWhenOneFails) {
  const auto r = llmauth({"providers", "test", config()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("OK      good (azure_openai, api_key): listed 2 models"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("OK      inline"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("OK      bedrock (aws_bedrock, access_keys): one-token Converse"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAILED  wrong (azure_openai, api_key)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HTTP 401"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("check the API key"), std::string::npos) << r.out;
  for (const char* s : {kInlineSecret, "a-wrong-azure-openai-key-0123456789",
                        "emulator-azure-openai-key-1", kEmulatorSecretKey}) {
    expect_no_secret(r.all(), s);
  }
  EXPECT_EQ(Emulator::get().counter("azure_openai.chat"), 0) << "testing Azure spends no tokens";
}

TEST_F(CliProviders, TestOneProviderByName) {
  const auto r = llmauth({"providers", "test", config(), "--name", "good"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("bedrock"), std::string::npos) << r.out;
  const auto missing = llmauth({"providers", "test", config(), "--name", "nope"});
  EXPECT_EQ(missing.exit_code, 4);
}

TEST_F(CliProviders, TestGivesUpOnASlowProviderAtItsTimeout) {
  Emulator::get().fault("azure_openai", 10, 0, 20000);  // every answer 20 s late
  const auto r = llmauth({"providers", "test", config(), "--name", "good", "--timeout", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAILED  good"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("timed out"), std::string::npos) << r.out;
}

// A short-term Bedrock API key minted by `llmauth aws bedrock-token` from the emulator's keys.
std::string mint_bedrock_key(std::map<std::string, std::string> env, int seconds) {
  env["AWS_ACCESS_KEY_ID"] = kEmulatorAccessKey;
  env["AWS_SECRET_ACCESS_KEY"] = kEmulatorSecretKey;
  const auto r = run_cli(
      {"aws", "bedrock-token", "--region", "us-east-1", "--expires", std::to_string(seconds)}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

TEST_F(CliProviders, TestSaysWhenEachCredentialRunsOutAndWarnsOfFixedOnesAboutToExpire) {
  auto e = env();
  e["AWS_ENDPOINT_URL_STS"] = Emulator::get().http_url();
  e["KEY_10_MIN"] = mint_bedrock_key(e, 600);
  e["KEY_12_H"] = mint_bedrock_key(e, 43200);
  const auto bedrock = [](const std::string& name, json::Json auth) {
    return json::Json{{"name", name},
                      {"type", "aws_bedrock"},
                      {"region", "us-east-1"},
                      {"model", "amazon.nova-lite-v1:0"},
                      {"auth", std::move(auth)}};
  };
  const json::Json j = {
      {"providers",
       {bedrock("short", {{"type", "bearer_token"}, {"token", {{"env", "KEY_10_MIN"}}}}),
        bedrock("day", {{"type", "bearer_token"}, {"token", {{"env", "KEY_12_H"}}}}),
        bedrock("role", {{"type", "assume_role"},
                         {"role_arn", "arn:aws:iam::123456789012:role/bedrock-invoke"},
                         {"source",
                          {{"type", "access_keys"},
                           {"access_key_id", kEmulatorAccessKey},
                           {"secret_access_key", kEmulatorSecretKey}}}}),
        bedrock("keys", {{"type", "access_keys"},
                         {"access_key_id", kEmulatorAccessKey},
                         {"secret_access_key", kEmulatorSecretKey}})}}};
  const auto file = home.write("lifetimes.json", j.dump(2)).string();
  const auto r = run_cli({"providers", "test", file}, e, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto line_after = [&](const std::string& provider) {
    const auto at = r.out.find("OK      " + provider + " ");
    EXPECT_NE(at, std::string::npos) << r.out;
    const auto next = r.out.find('\n', at);
    const auto end = r.out.find('\n', next + 1);
    return r.out.substr(next + 1, end - next - 1);
  };
  EXPECT_NE(line_after("short").find("WARNING the credential expires in 9 min ("),
            std::string::npos)
      << r.out;
  EXPECT_NE(line_after("short").find(") and cannot be renewed: replace it now"), std::string::npos)
      << r.out;
  EXPECT_NE(line_after("day").find("        the credential expires in 11 h 59 min ("),
            std::string::npos)
      << r.out;
  EXPECT_NE(line_after("day").find("cannot be renewed: replace it before then"), std::string::npos)
      << r.out;
  EXPECT_NE(line_after("role").find("        the credential expires in "), std::string::npos)
      << r.out;
  EXPECT_NE(line_after("role").find(", then llmauth renews it"), std::string::npos) << r.out;
  // Long-term keys say nothing of expiry: the line after them is the next provider or the end.
  EXPECT_EQ(line_after("keys"), "") << r.out;
  for (const std::string& s : {e["KEY_10_MIN"], e["KEY_12_H"], std::string(kEmulatorSecretKey)}) {
    expect_no_secret(r.all(), s);
  }
}

TEST_F(CliProviders, ChatPromptFromStdinAndJsonOutput) {
  const auto r = llmauth(
      {"chat", "--config", config(), "--provider", "good", "--json", "--system", "Be brief.", "-"},
      "a prompt from stdin\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out, "chat output");
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["provider"], "good");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Echo: a prompt from stdin");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_GT(j["usage"]["total_tokens"].get<long long>(), 0);
  const auto log =
      Emulator::get().control("GET", "/__control/requests?target=azure_openai&limit=1");
  const auto sent = log.back()["llm"]["request"];
  EXPECT_EQ(sent["messages"][0], (json::Json{{"role", "system"}, {"content", "Be brief."}}));
}

TEST_F(CliProviders, ChatStreamJsonPrintsDeltaLinesThenTheAnswer) {
  const auto r = llmauth({"chat", "--config", config(), "--provider", "bedrock", "--stream",
                          "--json", "one two three"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json::Json> lines;
  std::size_t start = 0;
  while (start < r.out.size()) {
    const auto end = r.out.find('\n', start);
    lines.push_back(json::parse(r.out.substr(start, end - start), "line"));
    start = end + 1;
  }
  ASSERT_GE(lines.size(), 4u);
  std::string text;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    ASSERT_TRUE(lines[i].contains("delta")) << lines[i].dump();
    text += lines[i]["delta"].value("content", "");
  }
  EXPECT_EQ(text, "Echo: one two three");
  EXPECT_EQ(lines.back()["choices"][0]["message"]["content"], "Echo: one two three");
}

TEST_F(CliProviders, ChatUnknownProviderListsTheKnownOnes) {
  const auto r = llmauth({"chat", "--config", config(), "--provider", "nope", "hi"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("good, inline, wrong, bedrock"), std::string::npos) << r.err;
}

TEST_F(CliProviders, ChatRefusedByTheServiceExits1WithoutTheKey) {
  const auto r = llmauth({"chat", "--config", config(), "--provider", "wrong", "hi"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  expect_no_secret(r.all(), "a-wrong-azure-openai-key-0123456789");
}

// --- for CI: JSON, stdin, LLMAUTH_CONFIG ------------------------------------------------------

TEST_F(CliProviders, ValidateJson_ListsProvidersOrEveryIssue) {
  const auto ok = llmauth({"providers", "validate", "--output", "json", config()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto j = json::parse(ok.out, "validate output");
  EXPECT_EQ(j["valid"], true);
  ASSERT_EQ(j["providers"].size(), 4u);
  EXPECT_EQ(j["providers"][3],
            (json::Json{{"name", "bedrock"}, {"type", "aws_bedrock"}, {"auth", "access_keys"}}));
  expect_no_secret(ok.all(), kInlineSecret);

  const auto file =
      std::string(LLMAUTH_SOURCE_DIR) + "/tests/data/config/invalid.five_problems.json";
  const auto bad = llmauth({"--output", "json", "providers", "validate", file});  // global --output
  EXPECT_EQ(bad.exit_code, 1);
  const auto b = json::parse(bad.out, "validate output");
  EXPECT_EQ(b["valid"], false);
  ASSERT_EQ(b["issues"].size(), 5u) << b.dump(2);
  EXPECT_EQ(b["issues"][0]["path"], "providers[0].auth.api_key");
  EXPECT_EQ(b["issues"][0]["message"], "must not be empty");
  EXPECT_FALSE(b["issues"][0]["hint"].get<std::string>().empty());
  EXPECT_TRUE(bad.err.empty()) << bad.err;
}

TEST_F(CliProviders, ValidateDash_ReadsTheConfigFromStdin) {
  const auto text = test_ambient().read_file(config());
  ASSERT_TRUE(text.has_value());
  const auto r = llmauth({"providers", "validate", "-"}, *text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<stdin>: 4 providers, valid", 0), 0u) << r.out;
  const auto bad = llmauth({"providers", "validate", "-"}, R"({"providers": []})");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err.rfind("llmauth: <stdin>: providers: is empty", 0), 0u) << bad.err;
}

TEST_F(CliProviders, LlmauthConfig_IsTheDefaultConfig) {
  auto e = env();
  e["LLMAUTH_CONFIG"] = config();
  const auto validate = run_cli({"providers", "validate"}, e);
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_NE(validate.out.find("4 providers, valid"), std::string::npos) << validate.out;
  const auto chat = run_cli({"chat", "--provider", "good", "hi"}, e);
  EXPECT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out, "Echo: hi\n");
  const auto none = llmauth({"providers", "test"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(
      none.err.rfind(
          "llmauth: no provider config: pass FILE (or --config FILE), or set LLMAUTH_CONFIG", 0),
      0u)
      << none.err;
}

TEST_F(CliProviders, List_ShowsEachProvidersTypeAuthWhereAndModel) {
  const auto r = llmauth({"providers", "list", config()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')).rfind("NAME", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("bedrock  aws_bedrock   access_keys  us-east-1"), std::string::npos)
      << r.out;
  const auto j = llmauth({"providers", "list", "--output", "json", "--config", config()});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto list = json::parse(j.out, "list output")["providers"];
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0]["endpoint"], Emulator::get().http_url());
  EXPECT_EQ(list[0]["model"], "gpt-4o");
  EXPECT_EQ(list[3]["region"], "us-east-1");
  EXPECT_EQ(list[3]["model"], "amazon.nova-lite-v1:0");
  expect_no_secret(r.all() + j.all(), kInlineSecret);
  expect_no_secret(r.all() + j.all(), kEmulatorSecretKey);
}

TEST_F(CliProviders, TestJson_ReportsEachProviderForCi) {
  const auto r = llmauth({"providers", "test", "--output", "json", config()});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const auto j = json::parse(r.out, "test output");
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["providers"].size(), 4u);
  const auto& good = j["providers"][0];
  EXPECT_EQ(good["name"], "good");
  EXPECT_EQ(good["ok"], true);
  EXPECT_NE(good["checked"].get<std::string>().find("listed 2 models"), std::string::npos)
      << good.dump();
  EXPECT_TRUE(good["duration_ms"].is_number_integer());
  EXPECT_TRUE(good["expires_at"].is_null());  // an API key does not expire
  const auto& wrong = j["providers"][2];
  EXPECT_EQ(wrong["ok"], false);
  EXPECT_EQ(wrong["status"], 401);
  EXPECT_NE(wrong["error"].get<std::string>().find("check the API key"), std::string::npos)
      << wrong.dump();
  for (const char* s : {kInlineSecret, "a-wrong-azure-openai-key-0123456789",
                        "emulator-azure-openai-key-1", kEmulatorSecretKey}) {
    expect_no_secret(r.all(), s);
  }
}

TEST_F(CliProviders, TestModel_ChecksBedrockWithThatModel) {
  const json::Json j = {{"providers",
                         {{{"name", "no-model"},
                           {"type", "aws_bedrock"},
                           {"region", "us-east-1"},
                           {"auth",
                            {{"type", "access_keys"},
                             {"access_key_id", kEmulatorAccessKey},
                             {"secret_access_key", kEmulatorSecretKey}}}}}}};
  const auto file = home.write("no-model.json", j.dump()).string();
  const auto without = llmauth({"providers", "test", file});
  EXPECT_EQ(without.exit_code, 1) << without.all();
  const auto r = llmauth({"providers", "test", file, "--model", "amazon.nova-lite-v1:0"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("OK      no-model (aws_bedrock, access_keys): one-token Converse with model "
                       "amazon.nova-lite-v1:0"),
            std::string::npos)
      << r.out;
  const auto log = Emulator::get().control("GET", "/__control/requests?target=bedrock&limit=1");
  EXPECT_NE(log.back()["path"].get<std::string>().find("amazon.nova-lite-v1"), std::string::npos)
      << log.dump();
  // For Azure OpenAI --model is a one-token chat with that deployment.
  const auto azure =
      llmauth({"providers", "test", config(), "--name", "good", "--model", "gpt-4o"});
  EXPECT_EQ(azure.exit_code, 0) << azure.all();
  EXPECT_NE(azure.out.find("one-token chat with deployment gpt-4o"), std::string::npos)
      << azure.out;
}

TEST_F(CliProviders, Chat_ProviderMayBeLeftOutWhenTheConfigHasOne) {
  const json::Json one = {
      {"providers",
       {{{"name", "only"},
         {"type", "azure_openai"},
         {"endpoint", Emulator::get().http_url()},
         {"deployment", "gpt-4o"},
         {"auth", {{"type", "api_key"}, {"api_key", {{"env", "GOOD_KEY"}}}}}}}}};
  const auto file = home.write("one.json", one.dump()).string();
  const auto r = llmauth({"chat", "--config", file, "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Echo: hello\n");
  const auto many = llmauth({"chat", "--config", config(), "hello"});
  EXPECT_EQ(many.exit_code, 2);
  EXPECT_NE(
      many.err.find("has 4 providers: pass --provider NAME (one of: good, inline, wrong, bedrock)"),
      std::string::npos)
      << many.err;
}

// --- header values from secret references ---------------------------------------------------

TEST_F(CliProviders, HeaderSecretReference_IsSentButNeverPrinted) {
  const std::string gateway_key = "apim-subscription-key-of-the-header-test";
  auto e = env();
  e["APIM_KEY"] = gateway_key;
  const json::Json j = {
      {"providers",
       {{{"name", "behind-apim"},
         {"type", "azure_openai"},
         {"endpoint", Emulator::get().http_url()},
         {"deployment", "gpt-4o"},
         {"headers", {{"Ocp-Apim-Subscription-Key", {{"env", "APIM_KEY"}}}, {"X-Team", "t"}}},
         {"auth", {{"type", "api_key"}, {"api_key", {{"env", "GOOD_KEY"}}}}}}}}};
  const auto file = home.write("apim.json", j.dump()).string();
  const auto chat = run_cli({"chat", "--config", file, "hi"}, e);
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  const auto log =
      Emulator::get().control("GET", "/__control/requests?target=azure_openai&limit=1");
  EXPECT_EQ(log.back()["headers"].value("ocp-apim-subscription-key", ""), gateway_key);
  const auto printed = run_cli({"providers", "validate", "--print", file}, e);
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(
      json::parse(printed.out, "printed")["providers"][0]["headers"]["Ocp-Apim-Subscription-Key"],
      (json::Json{{"env", "APIM_KEY"}}));
  const auto unset = llmauth({"chat", "--config", file, "hi"});  // APIM_KEY not set
  EXPECT_EQ(unset.exit_code, 4) << unset.all();
  EXPECT_NE(unset.err.find("providers[0].headers.Ocp-Apim-Subscription-Key"), std::string::npos)
      << unset.err;
  for (const auto* r : {&chat, &printed, &unset}) expect_no_secret(r->all(), gateway_key);
}

// --- habits from other tools ------------------------------------------------------------------

TEST_F(CliProviders, ValidateHabitsFromOtherTools_GetAPointedHint) {
  const auto yaml = home.write("config.yaml", "model_list:\n  - model_name: gpt-4o\n").string();
  const auto y = llmauth({"providers", "validate", yaml});
  EXPECT_EQ(y.exit_code, 1);
  EXPECT_NE(y.err.find("is YAML, but provider configs are JSON"), std::string::npos) << y.err;
  const json::Json litellm = {
      {"providers",
       {{{"name", "a"},
         {"type", "azure_openai"},
         {"endpoint", "https://x.openai.azure.com"},
         {"auth", {{"type", "api_key"}, {"api_key", "os.environ/AZURE_API_KEY"}}}}}}};
  const auto l =
      llmauth({"providers", "validate", home.write("litellm.json", litellm.dump()).string()});
  EXPECT_EQ(l.exit_code, 1);
  EXPECT_NE(l.err.find("use {\"env\": \"AZURE_API_KEY\"}"), std::string::npos) << l.err;
  // Every line of the report is an llmauth: line.
  for (const auto* r : {&y, &l}) {
    std::size_t at = 0;
    while (at < r->err.size()) {
      EXPECT_EQ(r->err.compare(at, 9, "llmauth: "), 0) << r->err;
      at = r->err.find('\n', at) + 1;
      if (at == 0) break;
    }
  }
}

TEST_F(CliProviders, HelpPrintsNoSecretAndNamesTheCommands) {
  const auto r = llmauth({"chat", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--provider"), std::string::npos);
  const auto p = llmauth({"providers", "--help"});
  EXPECT_NE(p.out.find("validate"), std::string::npos);
  EXPECT_NE(p.out.find("test"), std::string::npos);
}

}  // namespace
}  // namespace llmauth::testing
