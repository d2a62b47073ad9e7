// Excerpt: a piece of untrusted text (a service's error body, a tool's stderr) made fit for an
// error message: Redactor{scrub…}.scrub(text, limit) — every `scrub` value (in each of its
// encodings) replaced by "****", then control characters and escape sequences removed, line
// breaks folded to spaces, then cut to `limit` bytes with "…". Where the secrets of a whole
// exchange are known, use that exchange's Redactor instead.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace llmauth {

std::string excerpt(std::string_view text, std::initializer_list<std::string_view> scrub = {},
                    std::size_t limit = 200);

// The error text of a JSON error body: `error`/`code` and `error_description`/`message`
// ("invalid_request: Identity not found"); the raw body when it is not such JSON. Not scrubbed
// or shortened: pass the result through excerpt().
std::string json_error_text(std::string_view body);

}  // namespace llmauth
