// Redactor: makes untrusted text (a service's error body, a proxy's error page, a child process's
// stderr) fit for an error message, knowing every secret the exchange carried.
//
// An endpoint may be an attacker, or merely echo what it was sent: a 401 page that quotes the
// api-key header, an STS error that repeats the web identity token, a proxy that prints the
// Proxy-Authorization it refused. So every message built from an answer goes through scrub():
//   1. every known secret is replaced by "****", in each encoding it may have left in: as it is,
//      percent-encoded (upper- and lower-case hex, '+' or %20 for a space: form bodies), JSON-
//      escaped, and base64 (Basic credentials);
//   2. then control characters, line breaks (an echoed "\nllmauth: …" would forge a line of our
//      own output), terminal escape sequences (ESC [ … and the C1 controls) and bidirectional
//      overrides are removed, runs of white space folded to one space;
//   3. then the text is cut to `limit` bytes on a UTF-8 boundary, with "…".
// Redacting before cutting matters: a secret straddling the cut would otherwise leak in part.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "llmauth/core/secret.hpp"

namespace llmauth {

class Redactor {
 public:
  Redactor() = default;
  Redactor(std::initializer_list<std::string_view> secrets);

  // Adds a secret (and its encodings). Values shorter than kMinLength are ignored: they are not
  // key material, and redacting them would mangle ordinary text.
  void add(std::string_view secret);
  void add(const Secret& secret) { add(secret.reveal()); }
  // Every secret of `other`.
  void add_all(const Redactor& other);

  // Replaces every known secret by Secret::kRedacted; nothing else changes.
  [[nodiscard]] std::string redact(std::string_view text) const;
  // redact(), then strip control characters and escape sequences, then cut to `limit` bytes.
  [[nodiscard]] std::string scrub(std::string_view text, std::size_t limit = kDefaultLimit) const;

  [[nodiscard]] bool empty() const { return values_.empty(); }

  static constexpr std::size_t kMinLength = 4;
  static constexpr std::size_t kDefaultLimit = 200;

 private:
  std::vector<Secret> values_;  // as given; their encodings are worked out by redact()
};

// Steps 2 and 3 of scrub() alone: for text that carries no secret but comes from outside.
std::string sanitize_untrusted(std::string_view text, std::size_t limit = Redactor::kDefaultLimit);

}  // namespace llmauth
