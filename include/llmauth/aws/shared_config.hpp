// The AWS shared config and credentials files, read as botocore reads them.
//
// Reads: AWS_CONFIG_FILE (default ~/.aws/config), AWS_SHARED_CREDENTIALS_FILE (default
// ~/.aws/credentials). In the config file a profile is `[profile NAME]` (or `[default]`); in the
// credentials file it is `[NAME]`; the config file also holds `[sso-session NAME]` sections
// (IAM Identity Center sessions, read from the config file only, as botocore does) and
// `[services NAME]` sections. A missing file is the same as an empty one; a malformed one is an
// error naming file:line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llmauth/core/ambient.hpp"
#include "llmauth/core/ini.hpp"

namespace llmauth::aws {

struct Profile {
  std::string name;
  std::map<std::string, std::string> values;
  std::map<std::string, std::map<std::string, std::string>> subsections;  // e.g. "s3", "sts"
  // Where each key came from ("~/.aws/config:12"), for messages.
  std::map<std::string, std::string> origins;

  [[nodiscard]] std::optional<std::string> get(const std::string& key) const;
  [[nodiscard]] bool has(const std::string& key) const { return get(key).has_value(); }
  [[nodiscard]] std::string where(const std::string& key) const;
};

class SharedConfig {
 public:
  // Throws Error(kInvalidInput) for a malformed file.
  static SharedConfig load(const Ambient& ambient);
  static SharedConfig from_text(const std::string& config_text, const std::string& credentials_text,
                                const std::string& config_path = "config",
                                const std::string& credentials_path = "credentials");

  [[nodiscard]] const Profile* config_profile(const std::string& name) const;
  [[nodiscard]] const Profile* credentials_profile(const std::string& name) const;
  // The profile as botocore's full_config sees it: config-file values overlaid by the
  // credentials file's. nullopt when neither file has it.
  [[nodiscard]] std::optional<Profile> merged(const std::string& name) const;
  [[nodiscard]] std::vector<std::string> profile_names() const;
  // The services section named by a profile's `services = NAME` (`[services NAME]`).
  [[nodiscard]] const IniSection* services_section(const std::string& name) const;
  // The `[sso-session NAME]` section named by a profile's `sso_session = NAME`, as a Profile
  // (name = the session name, origins = file:line of each key). nullptr when there is none.
  [[nodiscard]] const Profile* sso_session(const std::string& name) const;

  [[nodiscard]] const std::string& config_path() const { return config_path_; }
  [[nodiscard]] const std::string& credentials_path() const { return credentials_path_; }

  // "profile 'x' was not found in ~/.aws/config or ~/.aws/credentials (profiles: a, b)".
  [[nodiscard]] std::string not_found_message(const std::string& name) const;

 private:
  std::map<std::string, Profile> config_;
  std::map<std::string, Profile> credentials_;
  std::map<std::string, IniSection> services_;
  std::map<std::string, Profile> sso_sessions_;
  std::string config_path_, credentials_path_;
};

// AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string profile_name_from_env(const Ambient& ambient);

}  // namespace llmauth::aws
