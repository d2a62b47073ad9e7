#include "llmauth/core/redactor.hpp"

#include <algorithm>

#include "llmauth/core/crypto.hpp"
#include "llmauth/core/json.hpp"
#include "llmauth/core/url.hpp"

namespace llmauth {
namespace {

std::string lower_hex_escapes(std::string encoded) {
  for (std::size_t i = 0; i + 2 < encoded.size(); ++i) {
    if (encoded[i] != '%') continue;
    for (std::size_t k = i + 1; k <= i + 2; ++k) {
      if (encoded[k] >= 'A' && encoded[k] <= 'F') encoded[k] = static_cast<char>(encoded[k] + 32);
    }
  }
  return encoded;
}

// A form body's spelling: a space is '+' rather than %20.
std::string form_plus(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.substr(i, 3) == "%20") {
      out += '+';
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return out;
}

// As a JSON string's content (without the quotes): what a service echoing a JSON body shows.
std::string json_escaped(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out.substr(1, out.size() - 2);
}

// The length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Characters that change how a terminal shows what follows: C1 controls (U+0080–U+009F, CSI
// among them) and the bidirectional embeddings, overrides and isolates.
bool is_hidden_control(std::string_view cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(cp[k]); };
  if (cp.size() == 2) return b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F;
  if (cp.size() == 3 && b(0) == 0xE2) {
    if (b(1) == 0x80 && b(2) >= 0xAA && b(2) <= 0xAE) return true;  // U+202A–U+202E
    if (b(1) == 0x81 && b(2) >= 0xA6 && b(2) <= 0xA9) return true;  // U+2066–U+2069
  }
  return false;
}

// Skips the escape sequence starting with ESC at s[i]; returns the index after it.
std::size_t skip_escape(std::string_view s, std::size_t i) {
  ++i;  // ESC
  if (i >= s.size()) return i;
  const char kind = s[i++];
  if (kind == '[') {  // CSI: parameters and intermediates, then one final byte 0x40–0x7E
    while (i < s.size() &&
           (static_cast<unsigned char>(s[i]) < 0x40 || static_cast<unsigned char>(s[i]) > 0x7E)) {
      ++i;
    }
    return std::min(i + 1, s.size());
  }
  if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') {  // OSC, DCS…: up to BEL or ST
    while (i < s.size()) {
      if (s[i] == '\a') return i + 1;
      if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '\\') return i + 2;
      ++i;
    }
    return i;
  }
  return i;  // a two-byte escape
}

}  // namespace

Redactor::Redactor(std::initializer_list<std::string_view> secrets) {
  for (auto s : secrets) add(s);
}

void Redactor::add(std::string_view secret) {
  if (secret.size() < kMinLength) return;
  for (const auto& v : values_) {
    if (v.reveal() == secret) return;
  }
  values_.emplace_back(std::string(secret));
}

void Redactor::add_all(const Redactor& other) {
  for (const auto& v : other.values_) add(v.reveal());
}

std::string Redactor::redact(std::string_view input) const {
  std::string text(input);
  if (values_.empty()) return text;
  // Every encoding of every secret, longest first (so a secret inside another is not cut in
  // two). Computed here, on the error path, rather than when a secret is added: requests add
  // their secrets every time, messages are built rarely.
  std::vector<Secret> variants;
  const auto variant = [&](std::string v) {
    if (v.size() < kMinLength) return;
    for (const auto& known : variants) {
      if (known.reveal() == v) return;
    }
    variants.emplace_back(std::move(v));
  };
  for (const auto& secret : values_) {
    const std::string_view raw = secret.reveal();
    const std::string encoded = url::encode(raw);
    variant(std::string(raw));
    variant(encoded);
    variant(lower_hex_escapes(encoded));
    variant(form_plus(encoded));
    variant(json_escaped(raw));
    variant(crypto::base64(raw));
  }
  std::stable_sort(variants.begin(), variants.end(),
                   [](const Secret& a, const Secret& b) { return a.size() > b.size(); });
  for (const auto& secret : variants) {
    const std::string_view value = secret.reveal();
    for (auto pos = text.find(value); pos != std::string::npos;
         pos = text.find(value, pos + Secret::kRedacted.size())) {
      text.replace(pos, value.size(), Secret::kRedacted);
    }
  }
  return text;
}

std::string Redactor::scrub(std::string_view text, std::size_t limit) const {
  if (values_.empty()) return sanitize_untrusted(text, limit);
  // Redact, clean, redact again (a secret split by a control character is whole once the
  // character is gone), and only then cut: no part of a secret survives at the cut.
  const Secret redacted(redact(text));
  const Secret cleaned(sanitize_untrusted(redacted.reveal(), std::string::npos));
  const Secret again(redact(cleaned.reveal()));
  return sanitize_untrusted(again.reveal(), limit);
}

std::string sanitize_untrusted(std::string_view s, std::size_t limit) {
  std::string out;
  out.reserve(std::min(s.size(), limit) + 4);
  bool cut = false;
  for (std::size_t i = 0; i < s.size();) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u == 0x1b) {
      i = skip_escape(s, i);
      continue;
    }
    if (u < 0x20 || u == 0x7f) {
      // Line breaks and tabs become one space; other control characters vanish.
      if ((u == '\n' || u == '\r' || u == '\t') && !out.empty() && out.back() != ' ') {
        if (out.size() + 1 > limit) {
          cut = true;
          break;
        }
        out += ' ';
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(s, i);
    const std::string_view cp = n == 0 ? std::string_view("?") : s.substr(i, n);
    i += n == 0 ? 1 : n;
    if (n > 1 && is_hidden_control(cp)) continue;
    if (cp == " " && !out.empty() && out.back() == ' ') continue;
    if (out.size() + cp.size() > limit) {
      cut = true;
      break;
    }
    out += cp;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  if (cut) out += "…";
  return out;
}

}  // namespace llmauth
