// `llmauth help [COMMAND…]`, `llmauth version`, `llmauth completion bash|zsh`, `llmauth man`.
// Completion scripts and the man page are generated from the same CLI11 definitions `--help`
// prints, so they cannot drift from the options.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"

namespace llmauth::cli {
namespace {

// --- the command tree as data ------------------------------------------------------------------

struct OptionDoc {
  std::vector<std::string> names;  // "-H", "--header"
  std::string description;
  bool takes_value = false;
  bool repeatable = false;
  bool file = false;                 // the value is a path
  std::vector<std::string> choices;  // from an IsMember check
  std::string value_name;            // "REGION", "text|json"
};

struct PositionalDoc {
  std::string name;  // "FILE", "PROMPT"
  std::string description;
  bool file = false;
  std::vector<std::string> choices;  // "bash", "zsh"
};

struct CommandDoc {
  std::vector<std::string> path;  // {} for llmauth itself, {"aws", "sign"}
  std::string description;
  std::vector<OptionDoc> options;          // its own and those of the commands above it
  std::vector<PositionalDoc> positionals;  // a command's own arguments
  std::vector<std::pair<std::string, std::string>> commands;  // name, description
};

std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const auto open = type_name.rfind('{');
  const auto close = type_name.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::stringstream list(type_name.substr(open + 1, close - open - 1));
  for (std::string item; std::getline(list, item, ',');) out.push_back(item);
  return out;
}

OptionDoc option_doc(const CLI::Option& opt) {
  OptionDoc d;
  for (const auto& s : opt.get_snames()) d.names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) d.names.push_back("--" + l);
  d.description = opt.get_description();
  d.takes_value = opt.get_expected_max() > 0;  // flags expect 0 values
  d.repeatable = opt.get_expected_max() > 1;
  const std::string type = opt.get_type_name();
  d.choices = choices_of(type);
  const std::string longest = opt.get_lnames().empty() ? "" : opt.get_lnames().front();
  d.file = type.find("FILE") != std::string::npos || longest == "config" ||
           longest == "data-file" || longest == "ca-bundle";
  if (!d.choices.empty()) {
    for (const auto& c : d.choices) d.value_name += (d.value_name.empty() ? "" : "|") + c;
  } else {
    for (char c : longest) d.value_name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  }
  return d;
}

void describe(CLI::App& cmd, std::vector<std::string> path, std::vector<OptionDoc> inherited,
              std::vector<CommandDoc>& out) {
  build_options(&cmd);
  CommandDoc doc;
  doc.path = path;
  doc.description = cmd.get_description();
  for (const auto* opt : cmd.get_options()) {
    if (opt->get_positional()) {
      const std::string name = opt->get_name();
      doc.positionals.push_back(
          {name, opt->get_description(), name == "FILE", choices_of(opt->get_type_name())});
    } else {
      doc.options.push_back(option_doc(*opt));
    }
  }
  // A parent's options are accepted after the command too (fallthrough); the command's own win.
  for (const auto& parent : inherited) {
    const bool shadowed = std::any_of(doc.options.begin(), doc.options.end(), [&](const auto& o) {
      return std::find_first_of(o.names.begin(), o.names.end(), parent.names.begin(),
                                parent.names.end()) != o.names.end();
    });
    if (!shadowed) doc.options.push_back(parent);
  }
  for (auto* sub : commands_of(cmd))
    doc.commands.emplace_back(sub->get_name(), sub->get_description());
  const auto options = doc.options;
  out.push_back(std::move(doc));
  for (auto* sub : commands_of(cmd)) {
    auto sub_path = path;
    sub_path.push_back(sub->get_name());
    std::vector<OptionDoc> passed;
    for (const auto& o : options) {
      if (std::find(o.names.begin(), o.names.end(), "--help") == o.names.end()) passed.push_back(o);
    }
    describe(*sub, sub_path, passed, out);
  }
}

std::vector<CommandDoc> command_tree(CLI::App& app) {
  std::vector<CommandDoc> out;
  describe(app, {}, {}, out);
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : std::string(sep)) + w;
  return out;
}

// The first sentence of a description, short enough for a completion menu.
std::string summary(const std::string& description) {
  std::string s = description.substr(0, description.find(". "));
  if (s.size() > 72) s = s.substr(0, 69) + "...";
  return s;
}

// --- bash --------------------------------------------------------------------------------------

std::string bash_script(const std::vector<CommandDoc>& tree) {
  std::ostringstream out;
  out << "# bash completion for llmauth, generated by `llmauth completion bash`.\n"
         "# Load it in ~/.bashrc with:  source <(llmauth completion bash)\n"
         "# or install it:  llmauth completion bash > /etc/bash_completion.d/llmauth\n"
         "_llmauth() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  local path=\"\" i word\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    word=${COMP_WORDS[i]}\n"
         "    case \"$path/$word\" in\n";
  std::vector<std::string> paths;
  for (const auto& c : tree) {
    if (!c.path.empty()) paths.push_back("/" + join(c.path, "/"));
  }
  out << "      " << join(paths, "|") << ") path=\"$path/$word\" ;;\n"
      << "    esac\n"
         "  done\n"
         "  COMPREPLY=()\n"
         "  case \"$path:$prev\" in\n";
  for (const auto& c : tree) {
    const std::string path = c.path.empty() ? "" : "/" + join(c.path, "/");
    for (const auto& o : c.options) {
      if (!o.takes_value) continue;
      std::vector<std::string> keys;
      for (const auto& n : o.names) keys.push_back("\"" + path + ":" + n + "\"");
      out << "    " << join(keys, "|") << ")\n      ";
      if (!o.choices.empty()) {
        out << "COMPREPLY=($(compgen -W \"" << join(o.choices, " ") << "\" -- \"$cur\"))";
      } else if (o.file) {
        out << "COMPREPLY=($(compgen -f -- \"$cur\"))";
      } else {
        out << ":";  // a value to type: offer nothing
      }
      out << "; return ;;\n";
    }
  }
  out << "  esac\n"
         "  case \"$path\" in\n";
  for (const auto& c : tree) {
    std::vector<std::string> words;
    for (const auto& [name, _] : c.commands) words.push_back(name);
    for (const auto& p : c.positionals)
      words.insert(words.end(), p.choices.begin(), p.choices.end());
    for (const auto& o : c.options) {
      for (const auto& n : o.names) {
        if (n.starts_with("--")) words.push_back(n);
      }
    }
    const bool files = std::any_of(c.positionals.begin(), c.positionals.end(),
                                   [](const auto& p) { return p.file; });
    const std::string path = c.path.empty() ? "" : "/" + join(c.path, "/");
    out << "    \"" << path << "\")\n";
    if (files) out << "      [[ $cur != -* ]] && return  # FILE: the shell completes paths\n";
    out << "      COMPREPLY=($(compgen -W \"" << join(words, " ") << "\" -- \"$cur\")) ;;\n";
  }
  out << "  esac\n"
         "}\n"
         "complete -o bashdefault -o default -F _llmauth llmauth\n";
  return out.str();
}

// --- zsh ---------------------------------------------------------------------------------------

// Text inside a single-quoted _arguments spec's [description] or (value list).
std::string zsh_quote(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']' || c == ':' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// A command's description in _arguments' ((name\:"description" …)) list: double-quoted inside
// the single-quoted spec.
std::string zsh_item(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '$' || c == '`' || c == '\\') out += '\\';
    if (c == ':') out += '\\';
    if (c == '\'') {
      out += "'\\''";
      continue;
    }
    out += c;
  }
  return out;
}

std::string zsh_script(const std::vector<CommandDoc>& tree) {
  std::ostringstream out;
  out << "#compdef llmauth\n"
         "# zsh completion for llmauth, generated by `llmauth completion zsh`.\n"
         "# Install it in a directory of $fpath:  llmauth completion zsh > "
         "\"${fpath[1]}/_llmauth\"\n"
         "# or load it in ~/.zshrc (after compinit):  source <(llmauth completion zsh)\n"
         "_llmauth() {\n"
         "  local p=\"\" w i start=1\n"
         "  for ((i = 2; i < CURRENT; i++)); do\n"
         "    w=${words[i]}\n"
         "    case \"$p/$w\" in\n";
  std::vector<std::string> paths;
  for (const auto& c : tree) {
    if (!c.path.empty()) paths.push_back("/" + join(c.path, "/"));
  }
  out << "      (" << join(paths, "|") << ") p=\"$p/$w\"; start=$i ;;\n"
      << "    esac\n"
         "  done\n"
         "  # From here on the words are the command's own, as _arguments expects.\n"
         "  words=(\"${(@)words[$start,-1]}\")\n"
         "  (( CURRENT -= start - 1 ))\n"
         "  case \"$p\" in\n";
  for (const auto& c : tree) {
    const std::string path = c.path.empty() ? "" : "/" + join(c.path, "/");
    out << "    (\"" << path << "\")\n      _arguments -s";
    for (const auto& o : c.options) {
      for (const auto& n : o.names) {
        out << " \\\n        '" << (o.repeatable ? "*" : "") << n;
        if (o.takes_value) out << (n.starts_with("--") ? "=" : "+");
        out << "[" << zsh_quote(summary(o.description)) << "]";
        if (o.takes_value) {
          out << ":" << zsh_quote(o.value_name) << ":";
          if (!o.choices.empty()) {
            out << "(" << zsh_quote(join(o.choices, " ")) << ")";
          } else if (o.file) {
            out << "_files";
          }
        }
        out << "'";
      }
    }
    if (!c.commands.empty()) {
      out << " \\\n        '1:command:((";
      for (const auto& [name, description] : c.commands) {
        out << name << "\\:\"" << zsh_item(summary(description)) << "\" ";
      }
      out << "))'";
    }
    for (std::size_t i = 0; i < c.positionals.size(); ++i) {
      const auto& p = c.positionals[i];
      out << " \\\n        '" << (p.name == "COMMAND" ? "*" : std::to_string(i + 1)) << ":"
          << zsh_quote(p.name) << ":"
          << (p.file              ? std::string("_files")
              : p.choices.empty() ? std::string()
                                  : "(" + zsh_quote(join(p.choices, " ")) + ")")
          << "'";
    }
    out << " ;;\n";
  }
  out << "  esac\n"
         "}\n"
         "if [[ ${funcstack[1]} == _llmauth ]]; then\n"
         "  _llmauth \"$@\"\n"
         "else\n"
         "  compdef _llmauth llmauth\n"
         "fi\n";
  return out.str();
}

// --- man ---------------------------------------------------------------------------------------

// Text for a roff line: backslashes escaped, a leading '.' or '\'' made literal, and every
// character beyond ASCII ("…", "→") as a \[uXXXX] escape, which groff and mandoc render.
std::string roff(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      const int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
      unsigned code = c & (0x3fu >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) {
        code = (code << 6) | (static_cast<unsigned char>(text[++i]) & 0x3fu);
      }
      char escape[16];
      std::snprintf(escape, sizeof escape, "\\[u%04X]", code);
      out += escape;
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// An option's name in roff: bold, with its dashes as minus signs.
std::string roff_option(std::string_view name) {
  std::string out = "\\fB";
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out + "\\fR";
}

void man_options(std::ostream& out, const std::vector<OptionDoc>& options, bool skip_help) {
  for (const auto& o : options) {
    if (skip_help && std::find(o.names.begin(), o.names.end(), "--help") != o.names.end()) continue;
    out << ".TP\n";
    for (std::size_t i = 0; i < o.names.size(); ++i) {
      out << (i == 0 ? "" : ", ") << roff_option(o.names[i]);
    }
    if (o.takes_value) out << " \\fI" << roff(o.value_name) << "\\fR";
    const bool say_repeatable =
        o.repeatable && o.description.find("repeatable") == std::string::npos;
    out << "\n" << roff(o.description) << (say_repeatable ? " (repeatable)" : "") << "\n";
  }
}

std::string man_page(const std::vector<CommandDoc>& tree) {
  std::ostringstream out;
  const CommandDoc& top = tree.front();
  out << ".\\\" Generated by `llmauth man` from the command line's own help.\n"
      << ".TH LLMAUTH 1 \"\" \"" << roff(version_text()) << "\" \"User Commands\"\n"
      << ".SH NAME\n"
      << "llmauth \\- " << roff(top.description.substr(top.description.find(": ") + 2)) << "\n"
      << ".SH SYNOPSIS\n"
      << ".B llmauth\n"
      << "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n"
      << ".SH DESCRIPTION\n"
      << "llmauth reaches Azure OpenAI and AWS Bedrock with every authentication method their "
         "operators use: it resolves and explains AWS and Azure credentials, exports them, signs "
         "requests with SigV4, mints Bedrock API keys, validates and tests provider configs and "
         "chats with the providers they describe. It never prints a secret unless printing it is "
         "the command's job (\\fBexport\\-credentials\\fR, \\fBbedrock\\-token\\fR, "
         "\\fBazure token\\fR, \\fBsign\\fR).\n"
      << ".PP\n"
      << "Global options are accepted before or after the command. Errors go to standard error "
         "as one line per problem, each starting with \\(lqllmauth:\\(rq.\n"
      << ".SH GLOBAL OPTIONS\n";
  man_options(out, top.options, false);
  out << ".SH COMMANDS\n";
  for (std::size_t i = 1; i < tree.size(); ++i) {
    const auto& c = tree[i];
    std::string usage = "llmauth " + join(c.path, " ");
    if (!c.commands.empty()) usage += " COMMAND";
    for (const auto& p : c.positionals) usage += " " + p.name;
    out << ".SS \"" << roff(usage) << "\"\n" << roff(c.description) << "\n";
    if (!c.commands.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, _] : c.commands) names.push_back("\\fB" + roff(name) + "\\fR");
      out << ".PP\nCommands: " << join(names, ", ") << ".\n";
    }
    for (const auto& p : c.positionals) {
      out << ".TP\n\\fI" << roff(p.name) << "\\fR\n" << roff(p.description) << "\n";
    }
    // The inherited options are listed under their own command, not again under each child.
    std::vector<OptionDoc> own;
    const CommandDoc* parent = nullptr;
    for (const auto& candidate : tree) {
      if (candidate.path.size() + 1 == c.path.size() &&
          std::equal(candidate.path.begin(), candidate.path.end(), c.path.begin())) {
        parent = &candidate;
      }
    }
    for (const auto& o : c.options) {
      const bool inherited =
          parent != nullptr &&
          std::any_of(parent->options.begin(), parent->options.end(), [&](const auto& p) {
            return p.names == o.names && p.description == o.description;
          });
      if (!inherited) own.push_back(o);
    }
    man_options(out, own, true);
  }
  out << ".SH ENVIRONMENT\n";
  const std::pair<const char*, const char*> variables[] = {
      {"LLMAUTH_CONFIG", "The provider config of providers and chat when none is given."},
      {"LLMAUTH_LOOPBACK_ONLY",
       "1: every network call refuses destinations other than 127.0.0.0/8 and ::1."},
      {"AWS_CA_BUNDLE, SSL_CERT_FILE",
       "A PEM file of CA certificates trusted in addition to the system store (as --ca-bundle)."},
      {"AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, …",
       "The AWS default chain, as every AWS SDK reads them."},
      {"AWS_BEARER_TOKEN_BEDROCK", "A Bedrock API key, sent instead of SigV4 signing."},
      {"AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, …",
       "DefaultAzureCredential's variables."}};
  for (const auto& [name, text] : variables) {
    out << ".TP\n\\fB" << roff(name) << "\\fR\n" << roff(text) << "\n";
  }
  out << ".SH EXIT STATUS\n";
  const std::pair<int, const char*> codes[] = {
      {0, "success"},
      {1,
       "a credential source was configured but failed; a provider refused a call; "
       "providers validate: the config is invalid; providers test: a provider failed"},
      {2, "bad command line (unknown command or option, missing argument)"},
      {3, "no credentials: no source is configured"},
      {4, "invalid input: a malformed file, config, response or option value"},
      {5, "network: connection failure, TLS failure, timeout, or a refused destination"}};
  for (const auto& [code, text] : codes) out << ".TP\n" << code << "\n" << roff(text) << "\n";
  out << ".SH SEE ALSO\n"
      << "\\fBaws\\fR(1), \\fBaz\\fR(1); docs/cli.md and docs/config.md in the llmauth sources.\n";
  return out.str();
}

}  // namespace

void add_help_commands(CLI::App& app, int& exit_code) {
  auto* help = app.add_subcommand(
      "help", "Show the help of llmauth or of a command (llmauth help aws sign)");
  auto words = std::make_shared<std::vector<std::string>>();
  help->add_option("COMMAND", *words, "the command whose help to show, e.g. aws sign");
  help->callback([&app, &exit_code, words] {
    CLI::App* current = &app;
    std::string path = "llmauth";
    for (const auto& word : *words) {
      CLI::App* next = nullptr;
      for (auto* sub : commands_of(*current)) {
        if (sub->get_name() == word) next = sub;
      }
      if (next == nullptr) {
        print_error(unknown_command_message(*current, path, word));
        exit_code = kUsage;
        return;
      }
      current = next;
      path += " " + word;
    }
    build_options(current);
    std::cout << current->get_formatter()->make_help(current, path, CLI::AppFormatMode::Normal);
    exit_code = kOk;
  });

  app.add_subcommand("version", "Print the version and the commit llmauth was built from")
      ->callback([&exit_code] {
        std::cout << version_text() << "\n";
        exit_code = kOk;
      });

  auto* completion =
      app.add_subcommand("completion",
                         "Print a shell completion script: source <(llmauth completion bash), or "
                         "llmauth completion zsh > \"${fpath[1]}/_llmauth\"");
  auto shell = std::make_shared<std::string>();
  completion->add_option("SHELL", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&app, &exit_code, shell] {
    build_all_options(app);
    const auto tree = command_tree(app);
    std::cout << (*shell == "bash" ? bash_script(tree) : zsh_script(tree));
    exit_code = kOk;
  });

  app.add_subcommand("man",
                     "Print the manual page (roff): llmauth man > /usr/local/share/man/man1/"
                     "llmauth.1, or llmauth man | man -l -")
      ->callback([&app, &exit_code] {
        build_all_options(app);
        std::cout << man_page(command_tree(app));
        exit_code = kOk;
      });
}

}  // namespace llmauth::cli
