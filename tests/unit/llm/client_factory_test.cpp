// ClientFactory's cache: one client per provider while the provider stays the same; an edited
// provider (a new inline secret, another endpoint) gets a new one and never keeps the old
// credential.
#include "llmauth/llm/client_factory.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace llmauth::testing {
namespace {

config::ProviderFile file_with_key(const std::string& key, const std::string& endpoint) {
  const json::Json j = {{"providers",
                         {{{"name", "azure"},
                           {"type", "azure_openai"},
                           {"endpoint", endpoint},
                           {"deployment", "gpt-4o"},
                           {"auth", {{"type", "api_key"}, {"api_key", key}}}}}}};
  return config::parse_providers(j.dump(), "test");
}

TEST(ClientFactory, SameProvider_SameClient) {
  llm::ClientFactory f(test_ambient());
  const auto a = file_with_key("key-number-one-0123", "https://a.openai.azure.com");
  const auto b = file_with_key("key-number-one-0123", "https://a.openai.azure.com");
  EXPECT_EQ(f.client(a.providers[0]), f.client(b.providers[0]));
  EXPECT_EQ(f.authorizer(a.providers[0]), f.authorizer(b.providers[0]));
}

TEST(ClientFactory, EditedSecretOrEndpoint_NewClientAndAuthorizer) {
  llm::ClientFactory f(test_ambient());
  const auto first = file_with_key("key-number-one-0123", "https://a.openai.azure.com");
  const auto new_key = file_with_key("key-number-two-4567", "https://a.openai.azure.com");
  const auto new_endpoint = file_with_key("key-number-two-4567", "https://b.openai.azure.com");
  const auto c1 = f.client(first.providers[0]);
  const auto a1 = f.authorizer(first.providers[0]);
  const auto c2 = f.client(new_key.providers[0]);
  EXPECT_NE(c1, c2);
  EXPECT_NE(a1, f.authorizer(new_key.providers[0]));
  // The new authorizer carries the new key, not the old one.
  http::Request r;
  f.authorizer(new_key.providers[0])->authorize(r);
  EXPECT_EQ(http::find_header(r.headers, "api-key").value_or(""), "key-number-two-4567");
  EXPECT_NE(f.client(new_endpoint.providers[0]), c2);
}

TEST(ClientFactory, FingerprintDiffersForSecretsButIsNotTheSecret) {
  const auto a = file_with_key("key-number-one-0123", "https://a.openai.azure.com");
  const auto b = file_with_key("key-number-two-4567", "https://a.openai.azure.com");
  const std::string fa = config::fingerprint(a.providers[0]);
  EXPECT_NE(fa, config::fingerprint(b.providers[0]));
  EXPECT_EQ(fa.size(), 64u);
  EXPECT_EQ(fa.find("key-number"), std::string::npos);
  // Printing the provider still redacts the secret.
  EXPECT_EQ(config::to_json(a.providers[0]).dump().find("key-number"), std::string::npos);
}

TEST(ClientFactory, Remove_ForgetsTheProvider) {
  llm::ClientFactory f(test_ambient());
  const auto a = file_with_key("key-number-one-0123", "https://a.openai.azure.com");
  const auto c1 = f.client(a.providers[0]);
  f.remove("azure");
  EXPECT_NE(f.client(a.providers[0]), c1);
}

}  // namespace
}  // namespace llmauth::testing
