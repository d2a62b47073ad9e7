// llmauth: resolve, print and export cloud LLM credentials, sign requests, mint Bedrock API keys,
// validate and test provider configs, chat.
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <map>

#include "cli.hpp"
#include "llmauth/config/provider_config.hpp"
#include "llmauth/core/did_you_mean.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/http.hpp"
#include "llmauth_commit.hpp"

namespace llmauth::cli {

Ambient make_ambient(const GlobalOptions& options) {
  http::TransportOptions transport;
  transport.ca_bundle = options.ca_bundle;
  if (options.ca_bundle) transport.ca_bundle_source = "--ca-bundle";
  const char* loopback = std::getenv("LLMAUTH_LOOPBACK_ONLY");
  transport.loopback_only = loopback != nullptr && std::string(loopback) == "1";
  return Ambient::system(transport);
}

std::optional<std::string> ca_bundle_in_use(const GlobalOptions& options) {
  if (options.ca_bundle) return options.ca_bundle;
  for (const char* name : {"AWS_CA_BUNDLE", "SSL_CERT_FILE"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return std::string(v);
  }
  return std::nullopt;
}

int exit_code_for(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kUnavailable:
      return kNoCredentials;
    case ErrorCode::kInvalidInput:
      return kInvalidInput;
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
    case ErrorCode::kRefused:
      return kNetwork;
    default:
      return kFailed;
  }
}

void print_error(std::string_view message) {
  bool first = true;
  while (true) {
    const auto end = message.find('\n');
    const auto line = message.substr(0, end);
    // An indented line continues the one before it (a list of attempts); anything else is a
    // message of its own (one problem of a config).
    const bool continuation = !first && !line.empty() && (line[0] == ' ' || line[0] == '\t');
    std::cerr << (continuation ? "" : "llmauth: ") << line << "\n";
    first = false;
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
}

std::string output_format(const std::string& own, const GlobalOptions& globals,
                          std::initializer_list<std::string_view> allowed,
                          std::string_view fallback, std::string_view command) {
  if (!own.empty()) return own;
  if (!globals.output) return std::string(fallback);
  for (const auto a : allowed) {
    if (a == *globals.output) return *globals.output;
  }
  std::string list;
  for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw UsageError("--output " + *globals.output + ": '" + std::string(command) +
                   "' prints one of: " + list);
}

// --- commands built on demand ------------------------------------------------------------------

namespace {

std::map<const CLI::App*, std::function<void()>>& deferred_options() {
  static std::map<const CLI::App*, std::function<void()>> registry;
  return registry;
}

}  // namespace

void on_demand(CLI::App* cmd, std::function<void(CLI::App*)> populate) {
  auto built = std::make_shared<bool>(false);
  auto build = [cmd, built, populate = std::move(populate)] {
    if (*built) return;
    *built = true;
    populate(cmd);
  };
  cmd->preparse_callback([build](std::size_t) { build(); });
  deferred_options().emplace(cmd, std::move(build));
}

void build_options(CLI::App* cmd) {
  const auto it = deferred_options().find(cmd);
  if (it != deferred_options().end()) it->second();
}

void build_all_options(CLI::App& app) {
  for (auto* sub : commands_of(app)) {
    build_options(sub);
    build_all_options(*sub);
  }
}

std::vector<CLI::App*> commands_of(const CLI::App& app) {
  return const_cast<CLI::App&>(app).get_subcommands([](CLI::App*) { return true; });
}

std::string unknown_command_message(const CLI::App& parent, const std::string& path,
                                    std::string_view word) {
  std::vector<std::string> names;
  for (const auto* sub : commands_of(parent)) names.push_back(sub->get_name());
  std::vector<std::string_view> views(names.begin(), names.end());
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string family = path == "llmauth" ? "an llmauth" : "a '" + path + "'";
  std::string message = "'" + excerpt(word, {}, 40) + "' is not " + family + " command";
  if (const auto near = did_you_mean(word, views)) {
    message += " (did you mean '" + std::string(*near) + "'?)";
  }
  return message + "; the commands are: " + list + " (run '" + path + " --help')";
}

// --- provider configs --------------------------------------------------------------------------

std::string config_path(const std::string& given, const Ambient& ambient) {
  if (!given.empty()) return given;
  if (auto env = ambient.env("LLMAUTH_CONFIG")) return *env;
  throw UsageError(
      "no provider config: pass FILE (or --config FILE), or set LLMAUTH_CONFIG to its path");
}

config::ProviderFile load_config(const Ambient& ambient, const std::string& path) {
  if (path != "-") return config::load_providers(ambient, path);
  std::string text;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > (4u << 20)) break;  // parse_providers reports "too large"
  }
  try {
    auto parsed = config::parse_providers(text, config_name(path));
    OPENSSL_cleanse(text.data(), text.size());
    return parsed;
  } catch (...) {
    OPENSSL_cleanse(text.data(), text.size());
    throw;
  }
}

std::string config_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

std::string version_text() {
  std::string text = "llmauth " LLMAUTH_VERSION;
  const std::string commit = LLMAUTH_COMMIT;
  if (!commit.empty()) text += " (commit " + commit + ")";
  return text;
}

}  // namespace llmauth::cli

namespace {

using namespace llmauth::cli;

// The command a failed command line was heading for, from argv: walks the words that name
// commands, skipping options and their values. When a word where a command belongs names none,
// the message says so and suggests the closest; "" when the command line went wrong elsewhere
// (CLI11's own message is better then).
std::string command_problem(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path = "llmauth";
  const auto takes_value = [&](const std::string& name) -> std::optional<bool> {
    for (CLI::App* a = current; a != nullptr; a = a->get_parent()) {
      if (const auto* opt = a->get_option_no_throw(name)) return opt->get_expected_max() > 0;
    }
    return std::nullopt;  // not an option anything here knows
  };
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") return {};
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      const auto value = takes_value(word);
      if (!value) return {};
      if (*value) ++i;
      continue;
    }
    if (commands_of(*current).empty()) return {};  // a command's own argument
    CLI::App* sub = nullptr;
    for (auto* candidate : commands_of(*current)) {
      if (candidate->get_name() == word) sub = candidate;
    }
    if (sub == nullptr) return unknown_command_message(*current, path, word);
    current = sub;
    path += " " + word;
  }
  if (!commands_of(*current).empty()) {
    std::string list;
    for (const auto* sub : commands_of(*current)) {
      list += (list.empty() ? "" : ", ") + sub->get_name();
    }
    return "'" + path + "' needs a command: " + list + " (run '" + path + " --help')";
  }
  return {};
}

// "llmauth aws sign": the commands a failed parse had selected.
std::string selected_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (true) {
    const auto selected = current->get_subcommands();
    if (selected.empty()) return path;
    current = selected.front();
    path += " " + current->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (const int served = run_serve_if_asked(argc, argv); served >= 0) return served;
  CLI::App app{"llmauth: credentials for cloud-hosted LLMs (Azure OpenAI, AWS Bedrock)", "llmauth"};
  app.require_subcommand(1);
  // Options of a parent are accepted after a command too (`llmauth aws resolve --ca-bundle F`).
  app.fallthrough();
  app.set_version_flag("--version", version_text(), "Print the version and the commit, and exit");
  GlobalOptions globals;
  app.add_option("--ca-bundle", globals.ca_bundle,
                 "PEM file of extra CA certificates to trust (in addition to the system store; "
                 "default: AWS_CA_BUNDLE or SSL_CERT_FILE)")
      ->check(CLI::ExistingFile);
  app.add_option("--output", globals.output,
                 "Output format, for every command that has one (a command's own --output wins)");
  app.footer(
      "Exit codes: 0 ok, 1 failed, 2 usage, 3 no credentials found, 4 invalid input, 5 network.\n"
      "Run 'llmauth help COMMAND' for a command's options. See docs/cli.md.\n");
  int exit_code = kOk;
  add_aws_commands(app, globals, exit_code);
  add_azure_commands(app, globals, exit_code);
  add_llm_commands(app, globals, exit_code);
  add_gateway_commands(app, globals, exit_code);
  add_help_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string message = command_problem(app, argc, argv);
    if (message.empty()) {
      const std::string path = selected_path(app);
      message = std::string(e.what()) + " (run '" + path + " --help')";
    }
    print_error(message);
    return kUsage;
  }
  return exit_code;
}
