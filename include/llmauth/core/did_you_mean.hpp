// "Did you mean …?": the known name closest to a misspelt one, for messages about unknown config
// fields, auth types and command-line commands. One implementation for all of them.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace llmauth {

// The case-insensitive edit distance between a and b: insertions, deletions, substitutions and
// swaps of two adjacent characters ("reslove"), one edit each (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest of `names` to `word`, when it is within a small edit distance: one edit for names
// of up to five characters, up to three for longer ones (a third of the name's length). nullopt
// when nothing is that close, or `word` is longer than 64 characters. Ties go to the earlier name.
std::optional<std::string_view> did_you_mean(std::string_view word,
                                             std::span<const std::string_view> names);

}  // namespace llmauth
