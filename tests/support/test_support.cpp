#include "test_support.hpp"

#include <cstdlib>
#include <fstream>
#include <random>

#include "llmauth/core/error.hpp"

namespace llmauth::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("llmauth-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content,
                                     std::filesystem::perms perms) const {
  const auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::filesystem::permissions(p, perms);
  return p;
}

std::map<std::string, std::string> proxy_trap_environment() {
  const std::string dead = "http://127.0.0.1:9";
  const std::string loopback = "127.0.0.1,localhost,::1";
  return {{"http_proxy", dead}, {"https_proxy", dead}, {"HTTPS_PROXY", dead},
          {"all_proxy", dead},  {"ALL_PROXY", dead},   {"no_proxy", loopback},
          {"NO_PROXY", loopback}};
}

namespace {

// Installed before main() in every test binary (this file is linked into all of them): libcurl
// sends anything that is not loopback to a closed loopback port, so even a regressed
// loopback-only guard cannot make a test reach a metadata address or a real cloud host.
[[maybe_unused]] const bool kProxyTrapInstalled = [] {
  for (const auto& [name, value] : proxy_trap_environment()) ::setenv(name.c_str(), value.c_str(), 1);
  return true;
}();

std::string read_state_file() {
  std::ifstream in(std::string(LLMAUTH_EMULATOR_STATE_DIR) + "/emulator.json");
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

std::shared_ptr<http::Transport> test_transport() {
  static std::shared_ptr<http::Transport> transport = [] {
    http::TransportOptions options;
    options.loopback_only = true;
    const std::string state = read_state_file();
    if (!state.empty()) {
      const auto j = json::parse(state, "emulator.json");
      if (j.contains("ca")) options.ca_bundle = j["ca"].get<std::string>();
    }
    return std::make_shared<http::CurlTransport>(options);
  }();
  return transport;
}

Ambient test_ambient(std::map<std::string, std::string> env, std::shared_ptr<const Clock> clock) {
  env.try_emplace("HOME", "/nonexistent/llmauth-test-home");
  env.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
  env.try_emplace("AWS_EC2_METADATA_DISABLED", "true");
  // Azure IMDS defaults to a link-local address: point it at a closed loopback port instead, so
  // a test that does not set it gets "nothing answered" without a packet leaving the machine.
  env.try_emplace("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9");
  return Ambient(std::make_shared<MapEnvironment>(std::move(env)),
                 clock ? std::move(clock) : SystemClock::instance(), test_transport(),
                 std::make_shared<PosixProcessRunner>());
}

Emulator& Emulator::get() {
  static Emulator emulator = [] {
    const std::string state = read_state_file();
    if (state.empty()) {
      throw Error("the emulator is not running: " + std::string(LLMAUTH_EMULATOR_STATE_DIR) +
                  "/emulator.json is missing (run the tests through ctest, which starts it)");
    }
    const auto j = json::parse(state, "emulator.json");
    Emulator e;
    e.http_ = j.at("http").get<std::string>();
    e.https_ = j.at("https").get<std::string>();
    e.ca_ = j.at("ca").get<std::string>();
    return e;
  }();
  return emulator;
}

json::Json Emulator::control(const std::string& method, const std::string& path,
                             const json::Json& body) {
  http::Request req;
  req.method = method;
  req.url = http_ + path;
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.push_back({"Content-Type", "application/json"});
  }
  const auto resp = test_transport()->send(req);
  if (resp.status != 200) {
    throw Error("emulator control " + path + " answered " + std::to_string(resp.status) + ": " +
                resp.body);
  }
  if (resp.body.empty()) return nullptr;
  return json::parse(resp.body, "emulator control response");
}

void Emulator::reset() { control("POST", "/__control/reset"); }

long long Emulator::counter(const std::string& name) {
  const auto counters = control("GET", "/__control/counters");
  return counters.contains(name) ? counters[name].get<long long>() : 0;
}

void Emulator::fault(const std::string& target, int count, int status, int delay_ms) {
  json::Json body = {{"target", target}, {"count", count}, {"delay_ms", delay_ms}};
  if (status != 0) body["status"] = status;
  control("POST", "/__control/fault", body);
}

void Emulator::config(const json::Json& patch) { control("POST", "/__control/config", patch); }

void expect_no_secret(const std::string& printed, const std::string& secret) {
  ASSERT_FALSE(secret.empty());
  EXPECT_EQ(printed.find(secret), std::string::npos) << "a secret was printed";
  if (secret.size() > 12) {
    EXPECT_EQ(printed.find(secret.substr(0, 12)), std::string::npos)
        << "part of a secret was printed";
  }
}

}  // namespace llmauth::testing
