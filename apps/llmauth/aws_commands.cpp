// `llmauth aws …`: resolve, export-credentials, sign, bedrock-token.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "llmauth/aws/bearer_token.hpp"
#include "llmauth/aws/bedrock_token.hpp"
#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"

namespace llmauth::cli {
namespace {

struct AwsOptions {
  std::optional<std::string> profile;
};

aws::DefaultChain make_chain(const Ambient& ambient, const AwsOptions& options) {
  aws::DefaultChainOptions chain;
  chain.profile = options.profile;
  return aws::DefaultChain(ambient, chain);
}

std::string outcome_word(aws::Attempt::Outcome o) {
  switch (o) {
    case aws::Attempt::Outcome::kSucceeded:
      return "ok";
    case aws::Attempt::Outcome::kFailed:
      return "FAILED";
    default:
      return "unavailable";
  }
}

void print_attempts(std::ostream& out, const std::vector<aws::Attempt>& attempts) {
  for (const auto& a : attempts) {
    out << "  " << a.provider << ": " << outcome_word(a.outcome) << " - " << a.detail << "\n";
  }
}

TimePoint parse_time_option(const std::optional<std::string>& text, const Ambient& ambient) {
  if (!text) return ambient.now();
  const auto t = timefmt::parse_iso8601(*text);
  if (!t) {
    throw Error("--time '" + *text + "' is not an ISO 8601 time (like 2015-08-30T12:36:00Z)",
                ErrorCode::kInvalidInput);
  }
  return *t;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// ---- resolve -------------------------------------------------------------------------------

// Bedrock also accepts an API key from AWS_BEARER_TOKEN_BEDROCK instead of SigV4: say whether one
// is set, and for a short-term key whose credentials and until when (never the key itself).
void print_bearer_token(std::ostream& out, const Ambient& ambient) {
  const std::string var = aws::bearer_token_env_var("bedrock");
  const auto token = aws::bearer_token_from_environment(ambient);
  if (!token) return;
  out << "bedrock api key: " << var << " is set";
  if (const auto info = aws::inspect_bedrock_token(token->reveal())) {
    out << " (short-term key for " << aws::mask_access_key_id(info->access_key_id) << " in "
        << info->region << ", " << timefmt::describe_remaining(info->expires_at, ambient.now())
        << ")";
  } else {
    out << " (long-term key)";
  }
  out << "; Bedrock calls will send it instead of signing\n";
}

void add_resolve(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "resolve",
          "Show which source gives AWS credentials (and why each earlier one did not). The access "
          "key id is masked; secrets are never printed."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto output = std::make_shared<std::string>("text");
        cmd->add_option("--output", *output, "text or json")
            ->check(CLI::IsMember({"text", "json"}));
        cmd->callback([&, output] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            std::shared_ptr<const aws::Credentials> creds;
            try {
              creds = chain.resolve();
            } catch (const aws::ChainError& e) {
              if (*output == "json") {
                json::Json j = {
                    {"ok", false}, {"profile", chain.profile_name()}, {"error", e.what()}};
                for (const auto& a : e.attempts()) {
                  j["attempts"].push_back({{"provider", a.provider},
                                           {"outcome", outcome_word(a.outcome)},
                                           {"detail", a.detail}});
                }
                std::cout << j.dump(2) << "\n";
              } else {
                std::cerr << "llmauth: no usable AWS credentials for profile '"
                          << chain.profile_name() << "'; tried:\n";
                print_attempts(std::cerr, e.attempts());
              }
              return exit_code_for(e);
            }
            const auto region = chain.region();
            if (*output == "json") {
              json::Json j = {{"ok", true},
                              {"profile", chain.profile_name()},
                              {"source", creds->source},
                              {"access_key_id", creds->masked_access_key_id()},
                              {"session_token", creds->has_session_token()},
                              {"region", region ? json::Json(*region) : json::Json(nullptr)}};
              j["expiration"] = creds->expiration
                                    ? json::Json(timefmt::format_iso8601(*creds->expiration))
                                    : json::Json(nullptr);
              if (creds->account_id) j["account_id"] = *creds->account_id;
              for (const auto& a : chain.attempts()) {
                j["attempts"].push_back({{"provider", a.provider},
                                         {"outcome", outcome_word(a.outcome)},
                                         {"detail", a.detail}});
              }
              std::cout << j.dump(2) << "\n";
              return 0;
            }
            std::cout << "profile:       " << chain.profile_name() << "\n"
                      << "source:        " << creds->source << "\n"
                      << "access key id: " << creds->masked_access_key_id() << "\n"
                      << "session token: " << (creds->has_session_token() ? "yes" : "no") << "\n"
                      << "expiration:    "
                      << (creds->expiration
                              ? timefmt::format_iso8601(*creds->expiration) + " (" +
                                    timefmt::describe_remaining(*creds->expiration, ambient.now()) +
                                    ")"
                              : std::string("none (long-term keys)"))
                      << "\n"
                      << "region:        " << region.value_or("(not set)") << "\n";
            if (creds->account_id) std::cout << "account:       " << *creds->account_id << "\n";
            std::cout << "attempts:\n";
            print_attempts(std::cout, chain.attempts());
            print_bearer_token(std::cout, ambient);
            return 0;
          });
        });
      });
}

// ---- export-credentials --------------------------------------------------------------------

void add_export(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "export-credentials",
          "Print the resolved credentials in the shapes of `aws configure export-credentials` "
          "(process output can serve as a credential_process). This prints secrets to stdout."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto format = std::make_shared<std::string>("process");
        cmd->add_option("--format", *format, "env, env-no-export, json or process")
            ->check(CLI::IsMember({"env", "env-no-export", "json", "process"}))
            ->capture_default_str();
        cmd->callback([&, format] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            const auto creds = chain.resolve();
            if (*format == "env" || *format == "env-no-export") {
              const std::string prefix = *format == "env" ? "export " : "";
              std::cout << prefix << "AWS_ACCESS_KEY_ID=" << creds->access_key_id << "\n"
                        << prefix << "AWS_SECRET_ACCESS_KEY=" << creds->secret_access_key.reveal()
                        << "\n";
              if (creds->has_session_token()) {
                std::cout << prefix << "AWS_SESSION_TOKEN=" << creds->session_token.reveal()
                          << "\n";
              }
              if (creds->expiration) {
                std::cout << prefix << "AWS_CREDENTIAL_EXPIRATION="
                          << timefmt::format_iso8601(*creds->expiration) << "\n";
              }
              if (creds->account_id)
                std::cout << prefix << "AWS_ACCOUNT_ID=" << *creds->account_id << "\n";
              return 0;
            }
            json::Json j;
            if (*format == "process") j["Version"] = 1;
            j["AccessKeyId"] = creds->access_key_id;
            j["SecretAccessKey"] = std::string(creds->secret_access_key.reveal());
            if (creds->has_session_token())
              j["SessionToken"] = std::string(creds->session_token.reveal());
            if (creds->expiration) j["Expiration"] = timefmt::format_iso8601(*creds->expiration);
            if (creds->account_id) j["AccountId"] = *creds->account_id;
            std::cout << j.dump(*format == "json" ? 2 : -1) << "\n";
            return 0;
          });
        });
      });
}

// ---- sign ----------------------------------------------------------------------------------

struct SignArgs {
  std::string region, service, method = "GET", url, output = "json";
  std::vector<std::string> headers;
  std::optional<std::string> data, data_file, time;
  bool presign = false, unsigned_payload = false, content_sha256 = false, no_normalize = false;
  int expires = 900;
};

void add_sign(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "sign",
          "Sign an HTTP request with SigV4 using the resolved credentials, and print it "
          "(as JSON with the canonical request and string to sign, or as a curl command)."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto args = std::make_shared<SignArgs>();
        cmd->add_option("--region", args->region, "Signing region (default: the profile's region)");
        cmd->add_option("--service", args->service, "Signing name, e.g. bedrock, sts")->required();
        cmd->add_option("--method,-X", args->method, "HTTP method")->capture_default_str();
        cmd->add_option("--url", args->url, "Absolute URL to sign")->required();
        cmd->add_option("-H,--header", args->headers, "Header 'Name: value' (repeatable)");
        auto* data = cmd->add_option("--data,-d", args->data, "Request body");
        auto* file = cmd->add_option("--data-file", args->data_file, "Read the body from a file")
                         ->check(CLI::ExistingFile);
        data->excludes(file);
        cmd->add_option("--time", args->time, "Signing time, ISO 8601 (default: now)");
        cmd->add_flag("--presign", args->presign, "Put the signature in the query string");
        cmd->add_option("--expires", args->expires, "Presigned URL lifetime in seconds (1..604800)")
            ->check(CLI::Range(1, 604800))
            ->capture_default_str();
        cmd->add_flag("--unsigned-payload", args->unsigned_payload, "Sign UNSIGNED-PAYLOAD");
        cmd->add_flag("--content-sha256", args->content_sha256,
                      "Send x-amz-content-sha256 (S3-like)");
        cmd->add_flag("--no-normalize-path", args->no_normalize, "Keep the path as is (S3)");
        cmd->add_option("--output", args->output, "json or curl")
            ->check(CLI::IsMember({"json", "curl"}))
            ->capture_default_str();
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            http::Request req;
            req.method = args->method;
            req.url = args->url;
            for (const auto& h : args->headers) {
              const auto colon = h.find(':');
              if (colon == std::string::npos || colon == 0) {
                throw Error("-H '" + h.substr(0, 60) + "': expected 'Name: value'",
                            ErrorCode::kInvalidInput);
              }
              std::string value = h.substr(colon + 1);
              value.erase(0, value.find_first_not_of(" \t"));
              req.headers.push_back({h.substr(0, colon), value});
            }
            if (args->data) req.body = *args->data;
            if (args->data_file) {
              auto body = ambient.read_file(*args->data_file, 64u << 20);
              if (!body) throw Error(*args->data_file + ": no such file", ErrorCode::kInvalidInput);
              req.body = std::move(*body);
            }
            std::string region = args->region;
            if (region.empty()) {
              region = chain.region().value_or("");
              if (region.empty()) {
                throw Error("no region: pass --region, or set AWS_REGION or the profile's region",
                            ErrorCode::kInvalidInput);
              }
            }
            const TimePoint when = parse_time_option(args->time, ambient);
            const auto creds = chain.resolve();
            aws::SigV4Options sig_options;
            sig_options.region = region;
            sig_options.service = args->service;
            sig_options.normalize_path = !args->no_normalize;
            sig_options.double_encode_path = !args->no_normalize;
            sig_options.unsigned_payload = args->unsigned_payload;
            sig_options.add_content_sha256_header = args->content_sha256;
            const aws::SigV4 signer(sig_options);
            const aws::SignatureDetails details =
                args->presign
                    ? signer.presign(req, *creds, when, std::chrono::seconds(args->expires))
                    : signer.sign(req, *creds, when);
            if (args->output == "curl") {
              std::cout << "curl -sS -X " << shell_quote(req.method);
              for (const auto& h : req.headers)
                std::cout << " \\\n  -H " << shell_quote(h.name + ": " + h.value);
              if (!req.body.empty()) std::cout << " \\\n  --data-binary " << shell_quote(req.body);
              std::cout << " \\\n  " << shell_quote(req.url) << "\n";
              return 0;
            }
            json::Json j;
            j["method"] = req.method;
            j["url"] = req.url;
            j["headers"] = json::Json::object();
            for (const auto& h : req.headers) j["headers"][h.name] = h.value;
            j["canonical_request"] = details.canonical_request;
            j["string_to_sign"] = details.string_to_sign;
            j["signed_headers"] = details.signed_headers;
            j["credential_scope"] = details.credential_scope;
            j["signature"] = details.signature;
            std::cout << j.dump(2) << "\n";
            return 0;
          });
        });
      });
}

// ---- bedrock-token -------------------------------------------------------------------------

void add_bedrock_token(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "bedrock-token",
          "Mint a short-term Bedrock API key (bearer token) from the resolved credentials, in the "
          "format of @aws/bedrock-token-generator. Valid for the shorter of --expires and the "
          "credentials' remaining life. Prints the token to stdout."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        struct Args {
          std::string region;
          int expires = 43200;
          std::optional<std::string> time;
          std::string output = "raw";
        };
        auto args = std::make_shared<Args>();
        cmd->add_option("--region", args->region, "Region (default: the profile's region)");
        cmd->add_option("--expires", args->expires, "Lifetime in seconds, at most 43200")
            ->check(CLI::Range(1, 43200))
            ->capture_default_str();
        cmd->add_option("--time", args->time, "Signing time, ISO 8601 (default: now)");
        cmd->add_option("--output", args->output, "raw (the token) or json (token and expiry)")
            ->check(CLI::IsMember({"raw", "json"}))
            ->capture_default_str();
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            std::string region = args->region;
            if (region.empty()) region = chain.region().value_or("");
            if (region.empty()) {
              throw Error("no region: pass --region, or set AWS_REGION or the profile's region",
                          ErrorCode::kInvalidInput);
            }
            const TimePoint when = parse_time_option(args->time, ambient);
            const auto creds = chain.resolve();
            const auto token =
                aws::mint_bedrock_token(*creds, region, std::chrono::seconds(args->expires), when);
            if (args->output == "json") {
              json::Json j = {{"token", std::string(token.token.reveal())},
                              {"expires_at", timefmt::format_iso8601(token.expires_at)},
                              {"region", region}};
              std::cout << j.dump(2) << "\n";
            } else {
              std::cout << token.token.reveal() << "\n";
            }
            return 0;
          });
        });
      });
}

}  // namespace

void add_aws_commands(CLI::App& app, GlobalOptions& globals, int& exit_code) {
  auto* aws = app.add_subcommand("aws", "AWS credentials: resolve, export, sign, Bedrock API keys");
  aws->require_subcommand(1);
  aws->fallthrough();  // `llmauth aws resolve --profile p` as well as `aws --profile p resolve`
  static AwsOptions options;
  aws->add_option("--profile", options.profile,
                  "Use this profile (default: AWS_PROFILE, else 'default'); an explicit profile "
                  "skips the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables");
  add_resolve(*aws, globals, options, exit_code);
  add_export(*aws, globals, options, exit_code);
  add_sign(*aws, globals, options, exit_code);
  add_bedrock_token(*aws, globals, options, exit_code);
}

}  // namespace llmauth::cli
