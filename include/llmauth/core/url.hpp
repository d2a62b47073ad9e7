// URLs: splitting, percent-encoding (RFC 3986 unreserved set, as SigV4 and OAuth forms need)
// and form bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmauth::url {

struct Url {
  std::string scheme;  // lower-cased
  std::string host;    // without brackets for IPv6
  std::optional<int> port;
  std::string path;   // as given, "/" when empty
  std::string query;  // raw, without '?'

  [[nodiscard]] bool is_ipv6() const { return host.find(':') != std::string::npos; }
  // "host" or "host:port" as the Host header carries it (port only when not the default).
  [[nodiscard]] std::string authority() const;
  // scheme://authority (no path)
  [[nodiscard]] std::string origin() const;
};

// Parses absolute http(s) URLs. Throws Error(kInvalidInput) naming `what` on anything else.
Url parse(std::string_view text, std::string_view what = "URL");

// Percent-encodes everything but A-Z a-z 0-9 - _ . ~ ; keeps '/' when keep_slash.
std::string encode(std::string_view text, bool keep_slash = false);
// Decodes %XX (and '+' as space when form is true). Invalid escapes are kept as they are.
std::string decode(std::string_view text, bool form = false);

using Params = std::vector<std::pair<std::string, std::string>>;
// a=b&c=d with both sides encoded.
std::string form_encode(const Params& params);
// Splits a raw query or form body into decoded pairs, in order.
Params parse_query(std::string_view query, bool form = false);

// True for 127.0.0.0/8, ::1, and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace llmauth::url
