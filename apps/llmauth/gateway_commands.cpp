// `llmauth serve` (runs llmauth-serve, installed beside llmauth) and `llmauth keys
// create|list|revoke` (the gateway's keys file).
#include <unistd.h>

#include <climits>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/redactor.hpp"
#include "llmauth/core/split.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/gateway/keys.hpp"

namespace llmauth::cli {
namespace {

// llmauth-serve beside this executable: the gateway links Boost.Asio and libssl, which the
// one-shot commands never need to load (docs/ARCHITECTURE.md).
std::string serve_program() {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "llmauth-serve";
  self[n] = '\0';
  return (std::filesystem::path(self).parent_path() / "llmauth-serve").string();
}

std::vector<std::string> list_option(const std::string& text) {
  std::vector<std::string> out;
  for (auto part : split(text, ',')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

std::string keys_path(const std::string& given, const Ambient& ambient) {
  if (!given.empty()) return given;
  if (auto env = ambient.env("LLMAUTH_KEYS")) return *env;
  throw UsageError("no keys file: give --keys FILE (or set LLMAUTH_KEYS)");
}

json::Json key_json(const gateway::GatewayKey& k) {
  auto time_or_null = [](const std::optional<TimePoint>& t) {
    return t ? json::Json(timefmt::format_iso8601(*t)) : json::Json(nullptr);
  };
  return {{"id", k.id},
          {"name", k.name},
          {"hint", k.hint},
          {"providers", k.providers},
          {"models", k.models},
          {"created_at", timefmt::format_iso8601(k.created_at)},
          {"expires_at", time_or_null(k.expires_at)},
          {"revoked_at", time_or_null(k.revoked_at)}};
}

std::string list_text(const std::vector<std::string>& v) {
  if (v.empty()) return "any";
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

void add_serve(CLI::App& app) {
  // Listed for help, man and completion; `llmauth serve …` itself never reaches CLI11
  // (run_serve_if_asked runs first).
  app.add_subcommand("serve",
                     "Run the gateway: an OpenAI-compatible service that holds the providers' "
                     "credentials (llmauth serve --help for its options; docs/gateway.md)")
      ->allow_extras();
}

void add_keys(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "Gateway keys: create, list, revoke");
  keys->require_subcommand(1);
  on_demand(keys->add_subcommand("create", "Add a gateway key and print it (once)"), [&globals,
                                                                                      &exit_code](
                                                                                         CLI::App*
                                                                                             cmd) {
    struct Args {
      std::string file, name, providers, models, expires, output = "text";
    };
    auto a = std::make_shared<Args>();
    cmd->add_option("--keys", a->file, "the keys file (default: LLMAUTH_KEYS)");
    cmd->add_option("--name", a->name, "who the key is for (unique)")->required();
    cmd->add_option("--providers", a->providers,
                    "providers it may use, comma-separated (default: all)");
    cmd->add_option("--models", a->models, "models it may use, comma-separated (default: all)");
    cmd->add_option("--expires", a->expires, "lifetime: 90d, 12h, 30m (default: none)");
    cmd->add_option("--output", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([&, a] {
      exit_code = guarded([&] {
        const Ambient ambient = make_ambient(globals);
        std::optional<TimePoint> expires_at;
        if (!a->expires.empty()) {
          const auto life = gateway::parse_lifetime(a->expires);
          if (!life) {
            throw UsageError("--expires " + sanitize_untrusted(a->expires, 40) +
                             ": expected a lifetime such as 90d, 12h or 30m");
          }
          expires_at = ambient.now() + *life;
        }
        gateway::KeysFile file(ambient, keys_path(a->file, ambient));
        auto created =
            file.create(a->name, list_option(a->providers), list_option(a->models), expires_at);
        if (a->output == "json") {
          json::Json j = key_json(created.entry);
          j["key"] = std::string(created.key.reveal());
          std::cout << j.dump(2) << "\n";
        } else {
          std::cout << created.key.reveal() << "\n";
          std::cerr << "llmauth: created key " << created.entry.id << " ('" << created.entry.name
                    << "') in " << file.path().string()
                    << "; it is shown only now: store it where its user can read it\n";
        }
        return static_cast<int>(kOk);
      });
    });
  });
  on_demand(keys->add_subcommand("list", "List the gateway keys (never the keys themselves)"),
            [&globals, &exit_code](CLI::App* cmd) {
              auto file = std::make_shared<std::string>();
              auto output = std::make_shared<std::string>("text");
              cmd->add_option("--keys", *file, "the keys file (default: LLMAUTH_KEYS)");
              cmd->add_option("--output", *output, "text or json")
                  ->check(CLI::IsMember({"text", "json"}));
              cmd->callback([&, file, output] {
                exit_code = guarded([&] {
                  const Ambient ambient = make_ambient(globals);
                  const auto keys = gateway::KeysFile(ambient, keys_path(*file, ambient)).load();
                  if (*output == "json") {
                    json::Json list = json::Json::array();
                    for (const auto& k : keys) list.push_back(key_json(k));
                    std::cout << json::Json({{"keys", list}}).dump(2) << "\n";
                    return static_cast<int>(kOk);
                  }
                  const auto now = ambient.now();
                  for (const auto& k : keys) {
                    std::string state = "active";
                    if (k.revoked_at) {
                      state = "revoked " + timefmt::format_iso8601(*k.revoked_at);
                    } else if (k.expires_at) {
                      state = (*k.expires_at <= now ? "expired " : "expires ") +
                              timefmt::format_iso8601(*k.expires_at);
                    }
                    std::cout << k.id << "  " << k.name << "  " << k.hint << "…  providers "
                              << list_text(k.providers) << "  models " << list_text(k.models)
                              << "  " << state << "\n";
                  }
                  return static_cast<int>(kOk);
                });
              });
            });
  on_demand(keys->add_subcommand("revoke", "Revoke a gateway key (by id or name)"),
            [&globals, &exit_code](CLI::App* cmd) {
              auto file = std::make_shared<std::string>();
              auto which = std::make_shared<std::string>();
              cmd->add_option("--keys", *file, "the keys file (default: LLMAUTH_KEYS)");
              cmd->add_option("KEY", *which, "the key's id (gk_…) or name")->required();
              cmd->callback([&, file, which] {
                exit_code = guarded([&] {
                  const Ambient ambient = make_ambient(globals);
                  gateway::KeysFile keys(ambient, keys_path(*file, ambient));
                  if (!keys.revoke(*which)) {
                    throw Error("no active key '" + sanitize_untrusted(*which, 64) + "' in " +
                                    keys.path().string() + " (llmauth keys list shows them)",
                                ErrorCode::kInvalidInput);
                  }
                  std::cerr << "llmauth: revoked '" << sanitize_untrusted(*which, 64)
                            << "'; a running gateway stops accepting it within a second\n";
                  return static_cast<int>(kOk);
                });
              });
            });
}

}  // namespace

void add_gateway_commands(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  add_serve(app);
  add_keys(app, globals, exit_code);
}

int run_serve_if_asked(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "serve") return -1;
  const std::string program = serve_program();
  std::vector<std::string> args = {program};
  for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<char*> exec_argv;
  for (auto& a : args) exec_argv.push_back(a.data());
  exec_argv.push_back(nullptr);
  ::execv(program.c_str(), exec_argv.data());
  print_error("cannot run " + program + " (" + std::strerror(errno) +
              "): llmauth serve needs llmauth-serve installed beside llmauth");
  return kFailed;
}

}  // namespace llmauth::cli
