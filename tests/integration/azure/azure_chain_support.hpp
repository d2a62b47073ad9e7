// Helpers for the Azure chain / cache / CLI integration tests.
#pragma once

#include <map>
#include <string>

#include "support/test_support.hpp"

namespace llmauth::testing::azure_chain {

inline constexpr const char* kTenant = "00000000-0000-0000-0000-000000000001";
inline constexpr const char* kClientId = "11111111-1111-1111-1111-111111111111";
inline constexpr const char* kClientSecret = "emulator-client-secret";

inline std::string fake_cli_bin() { return std::string(LLMAUTH_SOURCE_DIR) + "/tests/emulator/bin"; }

// Whether the emulator issued (or registered) `token`, and the record.
inline json::Json lookup_token(const std::string& token) {
  return Emulator::get().control("POST", "/__control/azure/tokens/lookup", {{"token", token}});
}

// A test environment: no developer tools on PATH, Entra ID at the emulator, and IMDS at the
// emulator (so the managed identity probe stays on loopback).
inline std::map<std::string, std::string> base_env(std::map<std::string, std::string> extra = {}) {
  extra.try_emplace("PATH", "/usr/bin:/bin");
  extra.try_emplace("AZURE_AUTHORITY_HOST", Emulator::get().https_url());
  extra.try_emplace("AZURE_POD_IDENTITY_AUTHORITY_HOST", Emulator::get().http_url());
  return extra;
}

}  // namespace llmauth::testing::azure_chain
