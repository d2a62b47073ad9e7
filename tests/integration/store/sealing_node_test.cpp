// The sealed format against an independent implementation: tests/emulator/testlib/sealing.js
// writes the format of include/llmauth/store/sealing.hpp with node's crypto. What llmauth seals
// opens there (so it is AES-256-GCM with the documented layout and additional data), what node
// seals opens in llmauth, and node refuses a value moved to another place as llmauth does.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/process.hpp"
#include "llmauth/store/sealing.hpp"

namespace llmauth::store {
namespace {

using namespace std::chrono_literals;

json::Json node_sealing(const json::Json& request) {
  PosixProcessRunner runner;
  ProcessOptions o;
  o.environment = std::map<std::string, std::string>{{"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  o.timeout = 30s;
  const auto r =
      runner.run({"node", std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/testlib/sealing.js",
                  request.dump()},
                 o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out, "sealing.js output");
}

json::Json place_json(const SealedPlace& p) {
  return {{"table", p.table}, {"row_id", p.row_id}, {"field", p.field}};
}

const SealedPlace kPlace{"providers", "0b6f1c2e", "/auth/secret_access_key"};
constexpr const char* kValue = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY ünïcode";

TEST(SealingNode, WhatLlmauthSeals_OpensWithNodeCrypto) {
  const Secret master = Keyring::generate_base64();
  Keyring keys;
  keys.add_base64("prod-2026", master.reveal(), true);
  const std::string sealed = Sealer(keys).seal(Secret(kValue), kPlace);
  const auto opened = node_sealing({{"op", "open"},
                                    {"key", master.reveal()},
                                    {"sealed", sealed},
                                    {"place", place_json(kPlace)}});
  // (Compared without printing: a failure shows no value.)
  EXPECT_TRUE(opened.value("value", "") == kValue) << opened.value("error", "no value");
  // Node refuses it at another place too: the place is in the additional data, not only checked
  // by our code.
  SealedPlace other = kPlace;
  other.row_id = "0b6f1c2f";
  const auto moved = node_sealing(
      {{"op", "open"}, {"key", master.reveal()}, {"sealed", sealed}, {"place", place_json(other)}});
  EXPECT_EQ(moved.value("error", ""), "does not open");
  EXPECT_FALSE(moved.contains("value"));
}

TEST(SealingNode, WhatNodeSeals_OpensInLlmauth) {
  const Secret master = Keyring::generate_base64();
  const auto sealed = node_sealing({{"op", "seal"},
                                    {"key", master.reveal()},
                                    {"kid", "k1"},
                                    {"value", kValue},
                                    {"place", place_json(kPlace)}});
  ASSERT_TRUE(sealed.contains("sealed")) << sealed.value("error", "");
  Keyring keys;
  keys.add_base64("k1", master.reveal(), true);
  EXPECT_TRUE(Sealer(keys).open(sealed["sealed"].get<std::string>(), kPlace).reveal() == kValue);
}

}  // namespace
}  // namespace llmauth::store
