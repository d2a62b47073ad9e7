// `llmauth aws …`: resolve, export-credentials, sign, bedrock-token.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "llmauth/aws/bearer_token.hpp"
#include "llmauth/aws/bedrock_token.hpp"
#include "llmauth/aws/credentials/default_chain.hpp"
#include "llmauth/aws/endpoints.hpp"
#include "llmauth/aws/sigv4.hpp"
#include "llmauth/core/excerpt.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/time_format.hpp"
#include "llmauth/core/url.hpp"

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

// The attempts in JSON: {"source", "outcome" ("ok" | "failed" | "unavailable"), "detail"}, the
// shape `azure resolve` uses too.
json::Json attempts_json(const std::vector<aws::Attempt>& attempts) {
  json::Json list = json::Json::array();
  for (const auto& a : attempts) {
    std::string outcome = outcome_word(a.outcome);
    for (auto& c : outcome) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    list.push_back({{"source", a.provider}, {"outcome", outcome}, {"detail", a.detail}});
  }
  return list;
}

// The region a command works in, and where it came from (for messages): --region, else
// AWS_REGION, AWS_DEFAULT_REGION, the profile's region (the order of every AWS SDK).
struct Region {
  std::string name;
  std::string origin;
};

std::optional<Region> configured_region(const std::string& flag, const Ambient& ambient,
                                        const aws::DefaultChain& chain) {
  if (!flag.empty()) return Region{flag, "--region"};
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto v = ambient.env(var)) return Region{*v, var};
  }
  if (auto r = chain.region())
    return Region{*r, "region of profile '" + chain.profile_name() + "'"};
  return std::nullopt;
}

Region required_region(const std::string& flag, const Ambient& ambient,
                       const aws::DefaultChain& chain) {
  auto region = configured_region(flag, ambient, chain);
  if (!region) {
    throw Error("no region: pass --region, or set AWS_REGION or the profile's region",
                ErrorCode::kInvalidInput);
  }
  aws::validate_region(region->name, region->origin);
  return *region;
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

// Bedrock also accepts an API key from AWS_BEARER_TOKEN_BEDROCK instead of SigV4 (botocore, and
// llmauth's default_credentials, send it instead of signing). What resolve says of it: which
// variable, and for a short-term key whose credentials, where and until when — never the key.
struct BearerKey {
  std::string variable;
  std::optional<aws::BedrockTokenInfo> short_term;
};

std::optional<BearerKey> bearer_key(const Ambient& ambient) {
  const auto token = aws::bearer_token_from_environment(ambient);
  if (!token) return std::nullopt;
  return BearerKey{aws::bearer_token_env_var("bedrock"),
                   aws::inspect_bedrock_token(token->reveal())};
}

std::string describe(const BearerKey& key, TimePoint now) {
  if (!key.short_term) return "long-term key";
  const auto& info = *key.short_term;
  return "short-term key for " + aws::mask_access_key_id(info.access_key_id) + " in " +
         info.region + ", " + timefmt::describe_remaining(info.expires_at, now);
}

json::Json bearer_json(const BearerKey& key) {
  json::Json j = {{"variable", key.variable},
                  {"kind", key.short_term ? "short-term" : "long-term"}};
  if (key.short_term) {
    j["access_key_id"] = aws::mask_access_key_id(key.short_term->access_key_id);
    j["region"] = key.short_term->region;
    j["expires_at"] = timefmt::format_iso8601(key.short_term->expires_at);
  }
  return j;
}

// "us-east-1", or "us-east-1x (not an AWS region: …)": resolve shows a bad region rather than
// failing, since the credentials may still be fine.
std::string region_line(const std::optional<Region>& region) {
  if (!region) return "(not set)";
  if (aws::is_region(region->name)) return region->name;
  return excerpt(region->name, {}, 64) + " (NOT an AWS region; it comes from " + region->origin +
         ")";
}

void add_resolve(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "resolve",
          "Show which source gives AWS credentials (and why each earlier one did not). The access "
          "key id is masked; secrets are never printed."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto output = std::make_shared<std::string>();
        cmd->add_option("--output", *output, "text (default) or json")
            ->check(CLI::IsMember({"text", "json"}));
        cmd->callback([&, output] {
          exit_code = guarded([&] {
            const bool json_out =
                output_format(*output, globals, {"text", "json"}, "text", "aws resolve") == "json";
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            const auto region = configured_region("", ambient, chain);
            const auto bearer = bearer_key(ambient);
            std::shared_ptr<const aws::Credentials> creds;
            try {
              creds = chain.resolve();
            } catch (const aws::ChainError& e) {
              // Nothing to sign with, but Bedrock calls still work with the API key.
              const bool bearer_only = bearer && e.code() == ErrorCode::kUnavailable;
              if (json_out) {
                json::Json j = {
                    {"ok", bearer_only},
                    {"profile", chain.profile_name()},
                    {"source", bearer_only ? json::Json(bearer->variable) : json::Json(nullptr)},
                    {"region", region ? json::Json(region->name) : json::Json(nullptr)},
                    {"bedrock_api_key", bearer ? bearer_json(*bearer) : json::Json()},
                    {"error", e.what()},
                    {"attempts", attempts_json(e.attempts())}};
                if (bearer_only) j.erase("error");
                std::cout << j.dump(2) << "\n";
              } else if (bearer_only) {
                std::cout << "profile:       " << chain.profile_name() << "\n"
                          << "source:        " << bearer->variable << " (Bedrock API key, "
                          << describe(*bearer, ambient.now()) << ")\n"
                          << "credentials:   none: Bedrock calls send the API key instead of "
                             "signing; other AWS services need credentials\n"
                          << "region:        " << region_line(region) << "\n"
                          << "attempts:\n";
                print_attempts(std::cout, e.attempts());
              } else {
                std::cerr << "llmauth: no usable AWS credentials for profile '"
                          << chain.profile_name() << "'; tried:\n";
                print_attempts(std::cerr, e.attempts());
                if (bearer) {
                  std::cerr << "llmauth: " << bearer->variable << " is set ("
                            << describe(*bearer, ambient.now())
                            << "): Bedrock calls send it instead of signing\n";
                }
              }
              return bearer_only ? static_cast<int>(kOk) : exit_code_for(e);
            }
            if (json_out) {
              json::Json j = {{"ok", true},
                              {"profile", chain.profile_name()},
                              {"source", creds->source},
                              {"access_key_id", creds->masked_access_key_id()},
                              {"session_token", creds->has_session_token()},
                              {"region", region ? json::Json(region->name) : json::Json(nullptr)}};
              j["expires_at"] = creds->expiration
                                    ? json::Json(timefmt::format_iso8601(*creds->expiration))
                                    : json::Json(nullptr);
              if (creds->account_id) j["account_id"] = *creds->account_id;
              if (bearer) j["bedrock_api_key"] = bearer_json(*bearer);
              j["attempts"] = attempts_json(chain.attempts());
              std::cout << j.dump(2) << "\n";
              return 0;
            }
            std::cout << "profile:       " << chain.profile_name() << "\n"
                      << "source:        " << creds->source << "\n"
                      << "access key id: " << creds->masked_access_key_id() << "\n"
                      << "session token: " << (creds->has_session_token() ? "yes" : "no") << "\n"
                      << "expires at:    "
                      << (creds->expiration
                              ? timefmt::format_iso8601(*creds->expiration) + " (" +
                                    timefmt::describe_remaining(*creds->expiration, ambient.now()) +
                                    ")"
                              : std::string("never (long-term keys)"))
                      << "\n"
                      << "region:        " << region_line(region) << "\n";
            if (creds->account_id) std::cout << "account:       " << *creds->account_id << "\n";
            std::cout << "attempts:\n";
            print_attempts(std::cout, chain.attempts());
            if (bearer) {
              std::cout << "bedrock api key: " << bearer->variable << " is set ("
                        << describe(*bearer, ambient.now())
                        << "); Bedrock calls will send it instead of signing\n";
            }
            return 0;
          });
        });
      });
}

// ---- export-credentials --------------------------------------------------------------------

// One line per variable, in the shapes of `aws configure export-credentials --format …`.
constexpr std::pair<std::string_view, std::string_view> kVariableFormats[] = {
    {"env", "export {}={}"},
    {"env-no-export", "{}={}"},
    {"powershell", "$Env:{}=\"{}\""},
    {"windows-cmd", "set {}={}"},
    {"fish", "set -gx {} \"{}\""}};

std::string variable_line(std::string_view format, std::string_view name, std::string_view value) {
  std::string shape;
  for (const auto& [f, s] : kVariableFormats) {
    if (f == format) shape = s;
  }
  const auto first = shape.find("{}");
  shape.replace(first, 2, name);
  shape.replace(shape.find("{}", first + name.size()), 2, value);
  return shape + "\n";
}

void add_export(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "export-credentials",
          "Print the resolved credentials in the shapes of `aws configure export-credentials` "
          "(process output can serve as a credential_process). This prints secrets to stdout."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto format = std::make_shared<std::string>("process");
        cmd->add_option("--format", *format,
                        "process (credential_process JSON), json, env, env-no-export, powershell, "
                        "windows-cmd or fish")
            ->check(CLI::IsMember(
                {"process", "json", "env", "env-no-export", "powershell", "windows-cmd", "fish"}))
            ->capture_default_str();
        cmd->callback([&, format] {
          exit_code = guarded([&] {
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            const auto creds = chain.resolve();
            if (*format != "process" && *format != "json") {
              std::cout << variable_line(*format, "AWS_ACCESS_KEY_ID", creds->access_key_id)
                        << variable_line(*format, "AWS_SECRET_ACCESS_KEY",
                                         creds->secret_access_key.reveal());
              if (creds->has_session_token()) {
                std::cout << variable_line(*format, "AWS_SESSION_TOKEN",
                                           creds->session_token.reveal());
              }
              if (creds->expiration) {
                std::cout << variable_line(*format, "AWS_CREDENTIAL_EXPIRATION",
                                           timefmt::format_iso8601(*creds->expiration));
              }
              if (creds->account_id) {
                std::cout << variable_line(*format, "AWS_ACCOUNT_ID", *creds->account_id);
              }
              return 0;
            }
            // In the aws CLI's order: Version first (process), then the keys, the expiry.
            nlohmann::ordered_json j;
            if (*format == "process") j["Version"] = 1;
            j["AccessKeyId"] = creds->access_key_id;
            j["SecretAccessKey"] = std::string(creds->secret_access_key.reveal());
            if (creds->has_session_token())
              j["SessionToken"] = std::string(creds->session_token.reveal());
            if (creds->expiration) j["Expiration"] = timefmt::format_iso8601(*creds->expiration);
            if (creds->account_id) j["AccountId"] = *creds->account_id;
            std::cout << j.dump(2) << "\n";
            return 0;
          });
        });
      });
}

// ---- sign ----------------------------------------------------------------------------------

struct SignArgs {
  std::string region, service, method = "GET", url, output;
  std::vector<std::string> headers;
  std::optional<std::string> data, data_file, time;
  bool presign = false, unsigned_payload = false, content_sha256 = false, no_normalize = false;
  int expires = 900;
};

// The region to sign for. An AWS host that names its region (bedrock-runtime.eu-west-1.…)
// supplies it; --region must then agree (a mismatch could only fail later, as a signature error).
// Otherwise --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. For AWS hosts it must
// have a region's shape; other SigV4 services (MinIO, R2's "auto") may use any name.
std::string signing_region(const SignArgs& args, const Ambient& ambient,
                           const aws::DefaultChain& chain) {
  const url::Url u = url::parse(args.url, "--url");
  const auto named = aws::region_in_host(u.host);
  if (named) {
    if (!args.region.empty() && args.region != *named) {
      throw Error("--region " + excerpt(args.region, {}, 64) + " but the URL names region " +
                      *named +
                      " (make them agree, or leave --region out: requests are signed for the "
                      "region, so a mismatch fails with a signature error)",
                  ErrorCode::kInvalidInput);
    }
    return *named;
  }
  auto region = configured_region(args.region, ambient, chain);
  if (!region) {
    throw Error("no region: pass --region, or set AWS_REGION or the profile's region",
                ErrorCode::kInvalidInput);
  }
  if (aws::is_aws_host(u.host)) aws::validate_region(region->name, region->origin);
  return region->name;
}

void add_sign(CLI::App& aws, GlobalOptions& globals, AwsOptions& options, int& exit_code) {
  on_demand(
      aws.add_subcommand(
          "sign",
          "Sign an HTTP request with SigV4 using the resolved credentials, and print it "
          "(as JSON with the canonical request and string to sign, or as a curl command). The "
          "output holds the session token (x-amz-security-token) when the credentials have one, "
          "and a signature good for minutes: treat it as a secret."),
      [&globals, &options, &exit_code](CLI::App* cmd) {
        auto args = std::make_shared<SignArgs>();
        cmd->add_option("--region", args->region,
                        "Signing region (default: the one the URL names, else AWS_REGION, "
                        "AWS_DEFAULT_REGION or the profile's region)");
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
        cmd->add_option("--output", args->output,
                        "json (default) or curl (a command that carries --cacert when a CA bundle "
                        "is in use)")
            ->check(CLI::IsMember({"json", "curl"}));
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const std::string output =
                output_format(args->output, globals, {"json", "curl"}, "json", "aws sign");
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
            const std::string region = signing_region(*args, ambient, chain);
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
            if (output == "curl") {
              std::cout << "curl -sS -X " << shell_quote(req.method);
              // curl's --cacert replaces its default CA store, where llmauth adds to the system
              // one: with a bundle in use, curl gets the same file llmauth trusted.
              if (const auto ca = ca_bundle_in_use(globals)) {
                std::cout << " \\\n  --cacert " << shell_quote(*ca);
              }
              for (const auto& h : req.headers)
                std::cout << " \\\n  -H " << shell_quote(h.name + ": " + h.value);
              if (!req.body.empty()) std::cout << " \\\n  --data-binary " << shell_quote(req.body);
              std::cout << " \\\n  " << shell_quote(req.url) << "\n";
              return 0;
            }
            json::Json j;
            j["method"] = req.method;
            j["url"] = req.url;
            j["region"] = region;
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
          std::string output;
        };
        auto args = std::make_shared<Args>();
        cmd->add_option("--region", args->region,
                        "Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)");
        cmd->add_option("--expires", args->expires, "Lifetime in seconds, at most 43200")
            ->check(CLI::Range(1, 43200))
            ->capture_default_str();
        cmd->add_option("--time", args->time, "Signing time, ISO 8601 (default: now)");
        cmd->add_option("--output", args->output,
                        "raw (the token, default) or json (token, expires_at, region)")
            ->check(CLI::IsMember({"raw", "json"}));
        cmd->callback([&, args] {
          exit_code = guarded([&] {
            const std::string output =
                output_format(args->output, globals, {"raw", "json"}, "raw", "aws bedrock-token");
            const Ambient ambient = make_ambient(globals);
            auto chain = make_chain(ambient, options);
            const std::string region = required_region(args->region, ambient, chain).name;
            const TimePoint when = parse_time_option(args->time, ambient);
            const auto creds = chain.resolve();
            const auto token =
                aws::mint_bedrock_token(*creds, region, std::chrono::seconds(args->expires), when);
            if (output == "json") {
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
