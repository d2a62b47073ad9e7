#include "llmauth/aws/sigv4.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <utility>
#include <vector>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/error.hpp"
#include "llmauth/core/published.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kHostHeader = "Host";
constexpr std::string_view kAuthorizationHeader = "Authorization";
constexpr std::string_view kDateHeader = "X-Amz-Date";
constexpr std::string_view kTokenHeader = "X-Amz-Security-Token";
constexpr std::string_view kContentSha256Header = "x-amz-content-sha256";
constexpr std::string_view kAlgorithmParam = "X-Amz-Algorithm";
constexpr std::string_view kCredentialParam = "X-Amz-Credential";
constexpr std::string_view kDateParam = "X-Amz-Date";
constexpr std::string_view kExpiresParam = "X-Amz-Expires";
constexpr std::string_view kSignedHeadersParam = "X-Amz-SignedHeaders";
constexpr std::string_view kTokenParam = "X-Amz-Security-Token";
constexpr std::string_view kSignatureParam = "X-Amz-Signature";
// SigV4 presigned URLs are valid for at most seven days.
constexpr std::chrono::seconds kMaxPresignExpiry{7 * 24 * 3600};

[[noreturn]] void invalid(const std::string& message) {
  throw Error("SigV4: " + message, ErrorCode::kInvalidInput);
}

// ---- character classes ---------------------------------------------------------------------

constexpr char kHexUpper[] = "0123456789ABCDEF";

constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  t['-'] = t['_'] = t['.'] = t['~'] = true;
  return t;
}
constexpr auto kUnreserved = make_unreserved();

constexpr std::array<char, 256> make_lower() {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return t;
}
constexpr auto kLower = make_lower();

constexpr char lower(char c) { return kLower[static_cast<unsigned char>(c)]; }

constexpr std::array<bool, 256> make_space() {
  std::array<bool, 256> t{};
  t[' '] = t['\t'] = t['\r'] = t['\n'] = t['\v'] = t['\f'] = true;
  return t;
}
constexpr auto kSpace = make_space();

constexpr bool is_space(char c) { return kSpace[static_cast<unsigned char>(c)]; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// <0, 0, >0 like strcmp, on the lower-cased names.
int icompare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(lower(a[i]));
    const auto y = static_cast<unsigned char>(lower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash).
void append_encoded(std::string& out, std::string_view text, bool keep_slash) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (p < end && (kUnreserved[static_cast<unsigned char>(*p)] || (keep_slash && *p == '/'))) {
      ++p;
    }
    out.append(run, static_cast<std::size_t>(p - run));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    const char escaped[3] = {'%', kHexUpper[c >> 4], kHexUpper[c & 15]};
    out.append(escaped, 3);
  }
}

constexpr std::array<char, 512> make_hex_pairs() {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> t{};
  for (int i = 0; i < 256; ++i) {
    t[2 * i] = kDigits[i >> 4];
    t[2 * i + 1] = kDigits[i & 15];
  }
  return t;
}
constexpr auto kHexPairs = make_hex_pairs();

// Lower-case hex of a digest: 64 characters.
using HexDigest = std::array<char, 64>;
HexDigest to_hex(const crypto::Sha256Digest& d) {
  HexDigest out;
  for (std::size_t i = 0; i < d.size(); ++i) std::memcpy(&out[2 * i], &kHexPairs[2 * d[i]], 2);
  return out;
}
std::string_view view(const HexDigest& h) { return {h.data(), h.size()}; }

// One SHA-256 context per thread for everything signed here (the algorithm is fetched once by
// crypto::Sha256; the context is reused).
crypto::Sha256& hasher() {
  thread_local crypto::Sha256 h;
  return h;
}

crypto::Sha256Digest sha256_of(std::string_view data) {
  crypto::Sha256& h = hasher();
  h.update(data);
  return h.finish();
}

// ---- the URL, as views into the request's own text ----------------------------------------

struct UrlView {
  std::string_view prefix;  // "scheme://authority/path" as written (no query, no fragment)
  std::string_view host;    // as written, IPv6 with its brackets
  std::string_view port;    // empty when the URL names none or the scheme's default
  std::string_view path;    // as written; "/" when empty
  std::string_view query;   // raw, without '?'

  // What the Host header carries: the host lower-cased, the port only when not the default.
  [[nodiscard]] std::string host_header() const {
    std::string out;
    out.reserve(host.size() + 1 + port.size());
    for (char c : host) out += lower(c);
    if (!port.empty()) out.append(":").append(port);
    return out;
  }
};

// The first of '/', '?' or '#' at or after `from` (the end of the authority), or s.size().
std::size_t authority_end(std::string_view s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '/' || ch == '?' || ch == '#') return i;
  }
  return s.size();
}

UrlView split_url(std::string_view url) {
  auto fail = [&](std::string_view why) {
    const auto q = url.find('?');
    std::string shown(url.substr(0, q));
    if (q != std::string_view::npos) shown += "?…";  // the query may carry a token
    invalid("request URL '" + shown + "': " + std::string(why) +
            " (expected an absolute http:// or https:// URL)");
  };
  UrlView u;
  bool https = false;
  std::size_t auth_begin = 0;
  if (istarts_with(url, "https://")) {
    https = true;
    auth_begin = 8;
  } else if (istarts_with(url, "http://")) {
    auth_begin = 7;
  } else {
    fail(url.find("://") == std::string_view::npos ? "no scheme" : "unsupported scheme");
  }
  const std::size_t auth_end = authority_end(url, auth_begin);
  std::string_view authority = url.substr(auth_begin, auth_end - auth_begin);
  if (authority.empty()) fail("no host");
  if (authority.find('@') != std::string_view::npos) fail("user info is not allowed");

  std::string_view host = authority;
  std::string_view port_text;
  bool has_port = false;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) fail("unterminated IPv6 address");
    const auto after = host.substr(close + 1);
    host = host.substr(0, close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail("junk after IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
    has_port = true;
  }
  if (host.empty() || host == "[]") fail("no host");
  if (has_port) {
    int port = 0;
    const auto [p, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || p != port_text.data() + port_text.size() ||
        port <= 0 || port > 65535) {
      fail("bad port");
    }
    if (port != (https ? 443 : 80)) u.port = port_text;
  }
  u.host = host;

  const std::size_t fragment = std::min(url.find('#', auth_end), url.size());
  const std::size_t path_end = std::min(url.find('?', auth_end), fragment);
  u.path = url.substr(auth_end, path_end - auth_end);
  u.prefix = url.substr(0, path_end);
  if (path_end < fragment) u.query = url.substr(path_end + 1, fragment - path_end - 1);
  if (u.path.empty()) u.path = "/";
  return u;
}

// ---- canonical URI -------------------------------------------------------------------------

// True when the path has an empty, "." or ".." segment (what normalization would change).
bool needs_normalization(std::string_view path) {
  if (path.find("//") == std::string_view::npos && path.find("/.") == std::string_view::npos) {
    return false;
  }
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '/') {
      ++i;
      continue;
    }
    const std::size_t begin = i + 1;
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(begin, end - begin);
    // An empty segment is fine only as the trailing slash of a non-root path.
    if (segment.empty() && end != path.size()) return true;
    if (segment == "." || segment == "..") return true;
    i = end;
  }
  return false;
}

// Removes "." and ".." segments and repeated slashes; keeps a leading and a trailing slash.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(i, end - i);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    i = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  if (!path.empty() && path.front() == '/') out += '/';
  for (std::size_t s = 0; s < segments.size(); ++s) {
    if (s != 0) out += '/';
    out.append(segments[s]);
  }
  if (!segments.empty() && path.back() == '/') out += '/';
  return out;
}

void append_canonical_uri(std::string& out, std::string_view path, const SigV4Options& options) {
  std::string normalized;
  if (options.normalize_path && needs_normalization(path)) {
    normalized = normalize_path(path);
    path = normalized;
  }
  if (options.double_encode_path) {
    append_encoded(out, path, /*keep_slash=*/true);
  } else {
    out.append(path);
  }
}

// ---- canonical query -----------------------------------------------------------------------

using EncodedParams = std::vector<std::pair<std::string, std::string>>;

bool is_presign_param(std::string_view key) {
  return key == kAlgorithmParam || key == kCredentialParam || key == kDateParam ||
         key == kExpiresParam || key == kSignedHeadersParam || key == kTokenParam ||
         key == kSignatureParam;
}

// Decodes each key and value (percent-escapes only: '+' stays a plus), then RFC 3986-encodes
// them again.
void add_encoded_params(EncodedParams& out, std::string_view query, bool drop_presign_params) {
  for (const auto& [key, value] : url::parse_query(query)) {
    if (drop_presign_params && is_presign_param(key)) continue;
    out.emplace_back(url::encode(key), url::encode(value));
  }
}

void sort_params(EncodedParams& params) {
  std::sort(params.begin(), params.end());  // by encoded key, then encoded value
}

void append_params(std::string& out, const EncodedParams& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i != 0) out += '&';
    out.append(params[i].first);
    out += '=';
    out.append(params[i].second);
  }
}

// ---- canonical headers ---------------------------------------------------------------------

// Headers that proxies and HTTP stacks add, drop or rewrite on the way: signing them would make
// a valid request fail somewhere between us and AWS.
bool is_signable(std::string_view name) {
  if (name.empty()) return true;
  switch (lower(name[0])) {
    case 'a':
      return !iequals(name, "authorization");
    case 'c':
      return !iequals(name, "connection");
    case 'e':
      return !iequals(name, "expect");
    case 'k':
      return !iequals(name, "keep-alive");
    case 'p':
      return !istarts_with(name, "proxy-");
    case 't':
      return !iequals(name, "te") && !iequals(name, "transfer-encoding");
    case 'u':
      return !iequals(name, "upgrade") && !iequals(name, "user-agent");
    case 'x':
      return !istarts_with(name, "x-forwarded-") && !iequals(name, "x-amzn-trace-id");
    default:
      return true;
  }
}

// The headers sign() itself manages.
enum class Managed { kNone, kHost, kDate, kAuthorization, kToken, kContentSha256 };

Managed managed_kind(std::string_view name) {
  if (name.empty()) return Managed::kNone;
  switch (lower(name[0])) {
    case 'h':
      return iequals(name, kHostHeader) ? Managed::kHost : Managed::kNone;
    case 'a':
      return iequals(name, kAuthorizationHeader) ? Managed::kAuthorization : Managed::kNone;
    case 'x':
      if (name.size() < 6 || lower(name[5]) != '-') return Managed::kNone;  // "x-amz-…" only
      if (iequals(name, kDateHeader)) return Managed::kDate;
      if (iequals(name, kTokenHeader)) return Managed::kToken;
      return iequals(name, kContentSha256Header) ? Managed::kContentSha256 : Managed::kNone;
    default:
      return Managed::kNone;
  }
}

// The first eight bytes of the lower-cased name, big-endian (so integer order is byte order):
// most comparisons end here.
std::uint64_t sort_prefix(std::string_view name) {
  unsigned char bytes[8] = {};
  std::memcpy(bytes, name.data(), std::min<std::size_t>(name.size(), 8));
  std::uint64_t x = 0;
  for (unsigned char b : bytes) x = (x << 8) | b;
  // Lower-case all eight bytes at once: set 0x20 in every byte from 'A' to 'Z'.
  // The sums run on the low seven bits of each byte, so no byte carries into its neighbour;
  // bytes of 0x80 and above are left alone.
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  const std::uint64_t low7 = x & ~kHigh;
  const std::uint64_t ge_a = low7 + kOnes * (0x80 - 'A');
  const std::uint64_t gt_z = low7 + kOnes * (0x80 - 'Z' - 1);
  const std::uint64_t upper = ge_a & ~gt_z & ~x & kHigh;
  return x | (upper >> 2);
}

struct HeaderRef {
  std::string_view name;
  std::string_view value;
  std::uint64_t prefix = 0;
};

// Orders names as their lower-cased bytes do.
int compare_names(const HeaderRef& a, const HeaderRef& b) {
  if (a.prefix != b.prefix) return a.prefix < b.prefix ? -1 : 1;
  return icompare(a.name, b.name);
}

// A few dozen headers at most in practice: a stable insertion sort on the stack beats anything
// that allocates.
class HeaderList {
 public:
  void add(std::string_view name, std::string_view value) {
    const HeaderRef ref{name, value, sort_prefix(name)};
    if (size_ < kInline) {
      inline_[size_] = ref;
    } else {
      if (size_ == kInline) overflow_.assign(inline_.begin(), inline_.end());
      overflow_.push_back(ref);
    }
    ++size_;
  }
  void sort() {
    HeaderRef* h = data();
    for (std::size_t i = 1; i < size_; ++i) {
      const HeaderRef item = h[i];
      std::size_t j = i;
      while (j > 0 && compare_names(h[j - 1], item) > 0) {
        h[j] = h[j - 1];
        --j;
      }
      h[j] = item;
    }
  }
  [[nodiscard]] HeaderRef* data() { return size_ <= kInline ? inline_.data() : overflow_.data(); }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kInline = 24;
  std::array<HeaderRef, kInline> inline_{};
  std::vector<HeaderRef> overflow_;
  std::size_t size_ = 0;
};

// Trims the value and folds every inner run of whitespace (line breaks of an obsolete multi-line
// value included) to one space.
void append_folded(std::string& out, std::string_view value) {
  // Nearly every value is already canonical: no space at either end, single inner spaces.
  bool clean = value.empty() || (!is_space(value.front()) && !is_space(value.back()));
  for (std::size_t i = 1; clean && i + 1 < value.size(); ++i) {
    if (is_space(value[i]) && (value[i] != ' ' || is_space(value[i + 1]))) clean = false;
  }
  if (clean) {
    out.append(value);
    return;
  }
  const char* p = value.data();
  const char* end = p + value.size();
  while (p < end && is_space(*p)) ++p;
  while (p < end) {
    const char* run = p;
    while (p < end && !is_space(*p)) ++p;
    out.append(run, static_cast<std::size_t>(p - run));
    while (p < end && is_space(*p)) ++p;
    if (p < end) out += ' ';
  }
}

void append_lower(std::string& out, std::string_view name) {
  const std::size_t at = out.size();
  out.append(name);
  char* p = out.data() + at;
  for (std::size_t i = 0; i < name.size(); ++i) p[i] = lower(p[i]);
}

// Appends "name:value\n" lines (duplicates joined with ',') to `canonical` and "a;b;c" to
// `signed_headers`.
void append_canonical_headers(std::string& canonical, std::string& signed_headers,
                              HeaderList& headers) {
  headers.sort();
  const HeaderRef* h = headers.data();
  const std::size_t n = headers.size();
  for (std::size_t i = 0; i < n;) {
    if (!signed_headers.empty()) signed_headers += ';';
    const std::size_t name_at = canonical.size();
    append_lower(canonical, h[i].name);
    signed_headers.append(canonical, name_at, canonical.size() - name_at);
    canonical += ':';
    append_folded(canonical, h[i].value);
    std::size_t j = i + 1;
    while (j < n && compare_names(h[j], h[i]) == 0) {
      canonical += ',';
      append_folded(canonical, h[j].value);
      ++j;
    }
    canonical += '\n';
    i = j;
  }
}

// ---- date ----------------------------------------------------------------------------------

struct AmzDate {
  std::array<char, 16> text{};  // yyyymmddTHHMMSSZ
  [[nodiscard]] std::string_view full() const { return {text.data(), text.size()}; }
  [[nodiscard]] std::string_view day() const { return {text.data(), 8}; }
};

void put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

AmzDate amz_date(TimePoint when) {
  using namespace std::chrono;
  const sys_seconds secs = floor<seconds>(when);
  const sys_days days = floor<std::chrono::days>(secs);
  const year_month_day ymd{days};
  const hh_mm_ss<seconds> tod{secs - days};
  const int y = static_cast<int>(ymd.year());
  if (y < 1000 || y > 9999) invalid("signing time is outside the years 1000-9999");
  AmzDate d;
  char* p = d.text.data();
  put2(p, y / 100);
  put2(p + 2, y % 100);
  put2(p + 4, static_cast<int>(static_cast<unsigned>(ymd.month())));
  put2(p + 6, static_cast<int>(static_cast<unsigned>(ymd.day())));
  p[8] = 'T';
  put2(p + 9, static_cast<int>(tod.hours().count()));
  put2(p + 11, static_cast<int>(tod.minutes().count()));
  put2(p + 13, static_cast<int>(tod.seconds().count()));
  p[15] = 'Z';
  return d;
}

void check_credentials(const Credentials& credentials) {
  if (credentials.access_key_id.empty()) invalid("the credentials have no access key id");
  if (credentials.secret_access_key.empty()) {
    invalid("the credentials for access key " + credentials.masked_access_key_id() +
            " have an empty secret access key");
  }
  for (char c : credentials.access_key_id) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == ',' || c == '=' || c == 0x7f) {
      invalid("the access key id " + credentials.masked_access_key_id() +
              " contains a character that cannot appear in a credential scope");
    }
  }
}

// ---- the signing key cache -----------------------------------------------------------------

// One derived key: valid for one access key, secret, day, region and service. Immutable once
// published; the secret copy is only compared, never used again.
struct DerivedKey {
  std::string access_key_id;
  Secret secret;
  std::array<char, 8> day{};
  // The signing key as HMAC uses it: the key XOR the inner and outer pads, one block each.
  std::array<std::uint8_t, 64> inner_pad{};
  std::array<std::uint8_t, 64> outer_pad{};
  std::string scope;               // 20150830/us-east-1/service/aws4_request
  std::string credential;          // AKID/scope
  std::string encoded_credential;  // the same, RFC 3986-encoded (presigned form)

  DerivedKey() = default;
  DerivedKey(const DerivedKey&) = delete;
  DerivedKey& operator=(const DerivedKey&) = delete;
  ~DerivedKey() {
    OPENSSL_cleanse(inner_pad.data(), inner_pad.size());
    OPENSSL_cleanse(outer_pad.data(), outer_pad.size());
  }

  // HMAC-SHA256 with the signing key: the same two hashes HMAC does, minus the key schedule
  // (already in the pads) and without an HMAC context to set up on every call.
  [[nodiscard]] crypto::Sha256Digest hmac(std::string_view message) const {
    crypto::Sha256& h = hasher();
    h.update({reinterpret_cast<const char*>(inner_pad.data()), inner_pad.size()});
    h.update(message);
    const crypto::Sha256Digest inner = h.finish();
    h.update({reinterpret_cast<const char*>(outer_pad.data()), outer_pad.size()});
    h.update(crypto::as_view(inner));
    return h.finish();
  }

  [[nodiscard]] bool matches(const Credentials& c, std::string_view d) const {
    // A plain comparison: both sides are the caller's own secret, nothing an outsider chose.
    return std::memcmp(day.data(), d.data(), day.size()) == 0 && access_key_id == c.access_key_id &&
           secret.reveal() == c.secret_access_key.reveal();
  }
};

std::shared_ptr<const DerivedKey> derive_key(const Credentials& c, std::string_view day,
                                             const SigV4Options& options) {
  check_credentials(c);  // a cached key matches only credentials that passed this
  auto k = std::make_shared<DerivedKey>();
  k->access_key_id = c.access_key_id;
  k->secret = c.secret_access_key;
  std::memcpy(k->day.data(), day.data(), k->day.size());

  std::string seed;
  seed.reserve(4 + c.secret_access_key.size());
  seed.append("AWS4");
  seed.append(c.secret_access_key.reveal());
  crypto::Sha256Digest date_key = crypto::hmac_sha256(seed, day);
  OPENSSL_cleanse(seed.data(), seed.size());
  crypto::Sha256Digest region_key = crypto::hmac_sha256(crypto::as_view(date_key), options.region);
  crypto::Sha256Digest service_key =
      crypto::hmac_sha256(crypto::as_view(region_key), options.service);
  crypto::Sha256Digest signing_key = crypto::hmac_sha256(crypto::as_view(service_key), kTerminator);
  for (std::size_t i = 0; i < k->inner_pad.size(); ++i) {
    const std::uint8_t b = i < signing_key.size() ? signing_key[i] : 0;
    k->inner_pad[i] = b ^ 0x36;
    k->outer_pad[i] = b ^ 0x5c;
  }
  OPENSSL_cleanse(signing_key.data(), signing_key.size());
  OPENSSL_cleanse(date_key.data(), date_key.size());
  OPENSSL_cleanse(region_key.data(), region_key.size());
  OPENSSL_cleanse(service_key.data(), service_key.size());

  k->scope.reserve(8 + options.region.size() + options.service.size() + kTerminator.size() + 3);
  k->scope.append(day).append("/").append(options.region).append("/").append(options.service);
  k->scope.append("/").append(kTerminator);
  k->credential = c.access_key_id + "/" + k->scope;
  k->encoded_credential = url::encode(k->credential);
  return k;
}

// Per-thread buffers for the canonical request and the string to sign: they keep their
// capacity, so a warm signature allocates only what it hands out.
struct Scratch {
  std::string canonical;
  std::string headers;  // canonical headers (presign builds them before the query)
  std::string signed_headers;
  std::string string_to_sign;
  EncodedParams params;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// The scratch buffers outlive the call; a session token in them is wiped before we return.
void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// The string to sign (into scratch.string_to_sign) for scratch.canonical, and its signature.
HexDigest compute_signature(Scratch& scratch, const DerivedKey& key, const AmzDate& date) {
  const HexDigest request_hash = to_hex(sha256_of(scratch.canonical));
  std::string& sts = scratch.string_to_sign;
  sts.clear();
  sts.append(kAlgorithm).append("\n").append(date.full()).append("\n").append(key.scope);
  sts += '\n';
  sts.append(view(request_hash));
  return to_hex(key.hmac(sts));
}

// SignatureDetails are for printing: the session token in the canonical request (after
// `token_field`, "x-amz-security-token:" or "X-Amz-Security-Token=") is shown as "****". The
// string to sign still hashes the real canonical request.
void fill_details(SignatureDetails& details, const Scratch& scratch, const DerivedKey& key,
                  const HexDigest& signature, std::string_view token_field = {},
                  std::string_view token = {}) {
  details.canonical_request = scratch.canonical;
  if (!token.empty()) {
    std::string needle;
    needle.reserve(token_field.size() + token.size());
    needle.append(token_field).append(token);
    std::string& text = details.canonical_request;
    for (auto at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + token_field.size() + Secret::kRedacted.size())) {
      text.replace(at + token_field.size(), token.size(), Secret::kRedacted);
    }
    wipe(needle);
  }
  details.string_to_sign = scratch.string_to_sign;
  details.signature.assign(view(signature));
  details.signed_headers = scratch.signed_headers;
  details.credential_scope = key.scope;
}

}  // namespace

// Published (core/published.hpp): readers copy the pointer and never wait for a derivation.
struct SigV4::KeyCache {
  Published<DerivedKey> current;

  std::shared_ptr<const DerivedKey> get(const Credentials& credentials, std::string_view day,
                                        const SigV4Options& options) {
    std::shared_ptr<const DerivedKey> key = current.load();
    if (key && key->matches(credentials, day)) return key;
    // A new day or new credentials: derive once and publish. Threads that race here at the
    // turn of a day publish identical keys, so it does not matter which store wins.
    key = derive_key(credentials, day, options);
    current.store(key);
    return key;
  }
};

SigV4::SigV4(SigV4Options options)
    : options_(std::move(options)), cache_(std::make_unique<KeyCache>()) {
  if (options_.region.empty()) {
    throw Error("SigV4: no region given (set AWS_REGION or the profile's region, e.g. us-east-1)",
                ErrorCode::kInvalidInput);
  }
  if (options_.service.empty()) {
    throw Error("SigV4: no service signing name given (e.g. \"bedrock\", \"sts\")",
                ErrorCode::kInvalidInput);
  }
  auto check_name = [](std::string_view what, std::string_view value) {
    for (char c : value) {
      if (static_cast<unsigned char>(c) <= ' ' || c == '/' ||
          static_cast<unsigned char>(c) >= 0x7f) {
        throw Error("SigV4: the " + std::string(what) + " '" + std::string(value) +
                        "' contains a character that cannot appear in a credential scope",
                    ErrorCode::kInvalidInput);
      }
    }
  };
  check_name("region", options_.region);
  check_name("service", options_.service);
}

SigV4::~SigV4() = default;
SigV4::SigV4(SigV4&&) noexcept = default;
SigV4& SigV4::operator=(SigV4&&) noexcept = default;

SignatureDetails SigV4::sign(http::Request& request, const Credentials& credentials,
                             TimePoint when) const {
  SignatureDetails details;
  sign_headers(request, credentials, when, &details);
  return details;
}

void SigV4::sign_headers(http::Request& request, const Credentials& credentials, TimePoint when,
                         SignatureDetails* details) const {
  const UrlView url = split_url(request.url);
  const AmzDate date = amz_date(when);
  const std::shared_ptr<const DerivedKey> key = cache_->get(credentials, date.day(), options_);
  const bool send_token = credentials.has_session_token();
  auto& headers = request.headers;

  // Nothing added below reallocates the vector, so the views the header list keeps stay valid.
  headers.reserve(headers.size() + 5);

  // One pass: drop what an earlier signature added (re-signing replaces it), note what is
  // there, and collect the headers to sign.
  HeaderList to_sign;
  bool has_host = false;
  std::size_t declared_payload_hash = headers.size();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const Managed kind = managed_kind(headers[i].name);
    const bool drop = kind == Managed::kAuthorization || kind == Managed::kDate ||
                      (kind == Managed::kToken && send_token) ||
                      (kind == Managed::kContentSha256 && options_.add_content_sha256_header);
    if (drop) continue;
    if (kept != i) headers[kept] = std::move(headers[i]);
    const http::Header& h = headers[kept];
    has_host = has_host || kind == Managed::kHost;
    if (kind == Managed::kContentSha256 && !h.value.empty()) declared_payload_hash = kept;
    if (kind != Managed::kNone || is_signable(h.name)) to_sign.add(h.name, h.value);
    ++kept;
  }
  headers.resize(kept);

  // The payload hash: a declared x-amz-content-sha256 is what the service will use, so it is
  // what we sign.
  std::string_view payload_hash;
  HexDigest body_hash;
  if (declared_payload_hash < headers.size()) {
    payload_hash = headers[declared_payload_hash].value;
  } else if (options_.unsigned_payload) {
    payload_hash = kUnsignedPayload;
  } else {
    body_hash = to_hex(sha256_of(request.body));
    payload_hash = view(body_hash);
  }

  auto add = [&](std::string_view name, std::string value, bool sign) {
    headers.push_back({std::string(name), std::move(value)});
    if (sign) to_sign.add(headers.back().name, headers.back().value);
  };
  if (!has_host) add(kHostHeader, url.host_header(), true);
  add(kDateHeader, std::string(date.full()), true);
  if (send_token && !options_.omit_session_token) {
    add(kTokenHeader, std::string(credentials.session_token.reveal()), true);
  }
  if (options_.add_content_sha256_header) {
    add(kContentSha256Header, std::string(payload_hash), true);
  }

  Scratch& scratch = thread_scratch();
  std::string& canonical = scratch.canonical;
  std::string& signed_headers = scratch.signed_headers;
  canonical.clear();
  signed_headers.clear();
  canonical.append(request.method);
  canonical += '\n';
  append_canonical_uri(canonical, url.path, options_);
  canonical += '\n';
  if (!url.query.empty()) {
    scratch.params.clear();
    add_encoded_params(scratch.params, url.query, /*drop_presign_params=*/false);
    sort_params(scratch.params);
    append_params(canonical, scratch.params);
  }
  canonical += '\n';
  append_canonical_headers(canonical, signed_headers, to_sign);
  canonical += '\n';
  canonical.append(signed_headers);
  canonical += '\n';
  canonical.append(payload_hash);

  const HexDigest signature = compute_signature(scratch, *key, date);

  if (send_token && options_.omit_session_token) {
    add(kTokenHeader, std::string(credentials.session_token.reveal()), false);
  }
  std::string authorization;
  authorization.reserve(kAlgorithm.size() + key->credential.size() + signed_headers.size() +
                        signature.size() + 40);
  authorization.append(kAlgorithm)
      .append(" Credential=")
      .append(key->credential)
      .append(", SignedHeaders=")
      .append(signed_headers)
      .append(", Signature=")
      .append(view(signature));
  add(kAuthorizationHeader, std::move(authorization), false);

  if (send_token && !options_.omit_session_token) {
    if (details != nullptr) {
      fill_details(*details, scratch, *key, signature,
                   "\nx-amz-security-token:", credentials.session_token.reveal());
    }
    wipe(canonical);
  } else if (details != nullptr) {
    fill_details(*details, scratch, *key, signature);
  }
}

SignatureDetails SigV4::presign(http::Request& request, const Credentials& credentials,
                                TimePoint when, std::chrono::seconds expires) const {
  if (expires < std::chrono::seconds(1) || expires > kMaxPresignExpiry) {
    invalid("a presigned URL must expire in 1 to " + std::to_string(kMaxPresignExpiry.count()) +
            " seconds (asked for " + std::to_string(expires.count()) + ")");
  }
  const UrlView url = split_url(request.url);
  const AmzDate date = amz_date(when);
  const std::shared_ptr<const DerivedKey> key = cache_->get(credentials, date.day(), options_);
  const bool token_in_signature = credentials.has_session_token() && !options_.omit_session_token;

  // The headers of the header form (X-Amz-Date, X-Amz-Security-Token, Authorization) have
  // their place in the query here: a request signed before is presigned as if it were not.
  HeaderList to_sign;
  bool has_host = false;
  for (const auto& h : request.headers) {
    const Managed kind = managed_kind(h.name);
    if (kind == Managed::kDate || kind == Managed::kToken || !is_signable(h.name)) continue;
    to_sign.add(h.name, h.value);
    has_host = has_host || kind == Managed::kHost;
  }
  const std::string host_header = has_host ? std::string() : url.host_header();
  if (!has_host) to_sign.add("host", host_header);

  Scratch& scratch = thread_scratch();
  scratch.headers.clear();
  scratch.signed_headers.clear();
  append_canonical_headers(scratch.headers, scratch.signed_headers, to_sign);

  std::string_view payload_hash;
  HexDigest body_hash;
  if (const auto declared = http::find_header(request.headers, kContentSha256Header);
      declared && !declared->empty()) {
    payload_hash = *declared;
  } else if (options_.unsigned_payload) {
    payload_hash = kUnsignedPayload;
  } else {
    body_hash = to_hex(sha256_of(request.body));
    payload_hash = view(body_hash);
  }

  EncodedParams& params = scratch.params;
  params.clear();
  add_encoded_params(params, url.query, /*drop_presign_params=*/true);
  params.emplace_back(kAlgorithmParam, kAlgorithm);
  params.emplace_back(kCredentialParam, key->encoded_credential);
  params.emplace_back(kDateParam, date.full());
  params.emplace_back(kExpiresParam, std::to_string(expires.count()));
  params.emplace_back(kSignedHeadersParam, url::encode(scratch.signed_headers));
  if (token_in_signature) {
    params.emplace_back(kTokenParam, url::encode(credentials.session_token.reveal()));
  }
  sort_params(params);

  std::string& canonical = scratch.canonical;
  canonical.clear();
  canonical.append(request.method);
  canonical += '\n';
  append_canonical_uri(canonical, url.path, options_);
  canonical += '\n';
  append_params(canonical, params);
  canonical += '\n';
  canonical.append(scratch.headers);
  canonical += '\n';
  canonical.append(scratch.signed_headers);
  canonical += '\n';
  canonical.append(payload_hash);

  const HexDigest signature = compute_signature(scratch, *key, date);

  // The URL carries exactly the parameters that were signed (in canonical order, with the
  // signature in its sorted place), so no server can canonicalize it differently.
  params.emplace_back(kSignatureParam, view(signature));
  std::inplace_merge(params.begin(), params.end() - 1, params.end());
  std::string out;
  out.reserve(url.prefix.size() + canonical.size());
  out.append(url.prefix);
  out += '?';
  append_params(out, params);
  if (credentials.has_session_token() && !token_in_signature) {
    out.append("&").append(kTokenParam).append("=");
    append_encoded(out, credentials.session_token.reveal(), false);
  }

  SignatureDetails details;
  if (token_in_signature) {
    for (auto& [k, v] : params) {
      if (k != kTokenParam) continue;
      fill_details(details, scratch, *key, signature, "X-Amz-Security-Token=", v);
      wipe(v);
    }
    wipe(canonical);
  } else {
    fill_details(details, scratch, *key, signature);
  }
  request.url = std::move(out);
  return details;
}

}  // namespace llmauth::aws
