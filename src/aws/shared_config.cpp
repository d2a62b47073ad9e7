#include "llmauth/aws/shared_config.hpp"

#include <set>

#include "llmauth/core/error.hpp"

namespace llmauth::aws {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

Profile to_profile(const std::string& name, const IniSection& section, const std::string& path) {
  Profile p;
  p.name = name;
  for (const auto& [key, value] : section.values) {
    p.origins[key] = path + ":" + std::to_string(value.line);
    if (value.is_subsection) {
      p.subsections[key] = value.sub;
    } else {
      p.values[key] = value.value;
    }
  }
  return p;
}

}  // namespace

std::optional<std::string> Profile::get(const std::string& key) const {
  const auto it = values.find(key);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Profile::where(const std::string& key) const {
  const auto it = origins.find(key);
  return it == origins.end() ? "profile '" + name + "'" : it->second;
}

SharedConfig SharedConfig::from_text(const std::string& config_text,
                                     const std::string& credentials_text,
                                     const std::string& config_path,
                                     const std::string& credentials_path) {
  SharedConfig out;
  out.config_path_ = config_path;
  out.credentials_path_ = credentials_path;
  const IniFile config = IniFile::parse(config_text, config_path);
  // `[profile default]` wins over `[default]` when both are present, as in botocore.
  for (const auto& [raw, section] : config.sections) {
    const std::string name = trim(raw);
    if (name == "default") {
      out.config_.try_emplace("default", to_profile("default", section, config_path));
    } else if (name.rfind("profile ", 0) == 0 || name.rfind("profile\t", 0) == 0) {
      const std::string profile = trim(name.substr(8));
      if (!profile.empty()) out.config_[profile] = to_profile(profile, section, config_path);
    } else if (name.rfind("services ", 0) == 0) {
      out.services_[trim(name.substr(9))] = section;
    } else if (name.rfind("sso-session ", 0) == 0) {
      const std::string session = trim(name.substr(12));
      if (!session.empty()) out.sso_sessions_[session] = to_profile(session, section, config_path);
    }
  }
  const IniFile credentials = IniFile::parse(credentials_text, credentials_path);
  for (const auto& [raw, section] : credentials.sections) {
    const std::string name = trim(raw);
    out.credentials_[name] = to_profile(name, section, credentials_path);
  }
  return out;
}

SharedConfig SharedConfig::load(const Ambient& ambient) {
  const auto config_path =
      ambient.expand_user(ambient.env("AWS_CONFIG_FILE").value_or("~/.aws/config"));
  const auto credentials_path =
      ambient.expand_user(ambient.env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"));
  const auto config_text = ambient.read_file(config_path).value_or("");
  const auto credentials_text = ambient.read_file(credentials_path).value_or("");
  return from_text(config_text, credentials_text, config_path.string(), credentials_path.string());
}

const Profile* SharedConfig::config_profile(const std::string& name) const {
  const auto it = config_.find(name);
  return it == config_.end() ? nullptr : &it->second;
}

const Profile* SharedConfig::credentials_profile(const std::string& name) const {
  const auto it = credentials_.find(name);
  return it == credentials_.end() ? nullptr : &it->second;
}

std::optional<Profile> SharedConfig::merged(const std::string& name) const {
  const Profile* config = config_profile(name);
  const Profile* credentials = credentials_profile(name);
  if (config == nullptr && credentials == nullptr) return std::nullopt;
  Profile out = config != nullptr ? *config : Profile{name, {}, {}, {}};
  if (credentials != nullptr) {
    for (const auto& [k, v] : credentials->values) {
      out.values[k] = v;
      out.origins[k] = credentials->where(k);
    }
    for (const auto& [k, v] : credentials->subsections) out.subsections[k] = v;
  }
  return out;
}

std::vector<std::string> SharedConfig::profile_names() const {
  std::set<std::string> names;
  for (const auto& [n, _] : config_) names.insert(n);
  for (const auto& [n, _] : credentials_) names.insert(n);
  return {names.begin(), names.end()};
}

const IniSection* SharedConfig::services_section(const std::string& name) const {
  const auto it = services_.find(name);
  return it == services_.end() ? nullptr : &it->second;
}

const Profile* SharedConfig::sso_session(const std::string& name) const {
  const auto it = sso_sessions_.find(name);
  return it == sso_sessions_.end() ? nullptr : &it->second;
}

std::string SharedConfig::not_found_message(const std::string& name) const {
  std::string known;
  for (const auto& n : profile_names()) known += (known.empty() ? "" : ", ") + n;
  return "profile '" + name + "' was not found in " + config_path_ + " or " + credentials_path_ +
         " (profiles: " + (known.empty() ? "none" : known) + ")";
}

std::string profile_name_from_env(const Ambient& ambient) {
  if (auto p = ambient.env("AWS_PROFILE")) return *p;
  if (auto p = ambient.env("AWS_DEFAULT_PROFILE")) return *p;
  return "default";
}

}  // namespace llmauth::aws
