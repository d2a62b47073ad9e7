#include <string>

#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/error.hpp"

namespace llmauth::config {
namespace {

std::string where(const SecretRef& ref) {
  return ref.json_path.empty() ? std::string("secret") : ref.json_path;
}

}  // namespace

SecretRef SecretRef::inline_value(std::string value, std::string json_path) {
  SecretRef ref;
  ref.source = Source::kInline;
  ref.value = Secret(std::move(value));
  ref.json_path = std::move(json_path);
  return ref;
}

SecretRef SecretRef::env(std::string name, std::string json_path) {
  SecretRef ref;
  ref.source = Source::kEnv;
  ref.reference = std::move(name);
  ref.json_path = std::move(json_path);
  return ref;
}

SecretRef SecretRef::file(std::string path, std::string json_path) {
  SecretRef ref;
  ref.source = Source::kFile;
  ref.reference = std::move(path);
  ref.json_path = std::move(json_path);
  return ref;
}

Secret SecretRef::resolve(const Ambient& ambient) const {
  switch (source) {
    case Source::kInline:
      if (value.empty()) {
        throw Error(where(*this) + ": the inline secret is empty", ErrorCode::kInvalidInput);
      }
      return value;
    case Source::kEnv: {
      auto v = ambient.env(reference);
      if (!v) {
        throw Error(where(*this) + ": environment variable " + reference +
                        " is not set or is empty (the config says {\"env\": \"" + reference +
                        "\"})",
                    ErrorCode::kInvalidInput);
      }
      return Secret(std::move(*v));
    }
    case Source::kFile: {
      const auto path = ambient.expand_user(reference);
      std::optional<std::string> text;
      try {
        text = ambient.read_file(path);
      } catch (const Error& e) {
        throw Error(where(*this) + ": cannot read secret file " + e.what(),
                    ErrorCode::kInvalidInput);
      }
      if (!text) {
        throw Error(where(*this) + ": secret file " + path.string() + ": no such file",
                    ErrorCode::kInvalidInput);
      }
      Secret raw(std::move(*text));
      std::string_view bytes = raw.reveal();
      if (!bytes.empty() && bytes.back() == '\n') bytes.remove_suffix(1);
      if (!bytes.empty() && bytes.back() == '\r') bytes.remove_suffix(1);
      if (bytes.empty()) {
        throw Error(where(*this) + ": secret file " + path.string() + " is empty",
                    ErrorCode::kInvalidInput);
      }
      return Secret(std::string(bytes));
    }
  }
  throw Error(where(*this) + ": unknown secret source", ErrorCode::kInvalidInput);
}

}  // namespace llmauth::config
