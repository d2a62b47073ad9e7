// XML via expat, for the few XML documents we read (STS query-protocol responses). The whole
// document becomes a small element tree; errors say which document, line and column.
//
// Names are kept as written (no namespace processing), as STS clients do: `<AssumeRoleResponse
// xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` is the element "AssumeRoleResponse".
// Document type declarations are refused (no entity expansion of any kind), and so is nesting
// deeper than kMaxDepth.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmauth::xml {

inline constexpr int kMaxDepth = 64;

struct Element {
  std::string name;
  std::string text;  // the character data directly inside this element, concatenated
  std::vector<Element> children;

  // The first child element called `child_name`, or nullptr.
  [[nodiscard]] const Element* child(std::string_view child_name) const;
  // That child's text, or "" when there is no such child.
  [[nodiscard]] std::string child_text(std::string_view child_name) const;
};

// Parses a complete document and returns its root element. Throws Error(kInvalidInput)
// "<what>: not valid XML (<reason> at line L, column C)". The message never quotes the document
// (it may hold secrets).
Element parse(std::string_view document, std::string_view what);

}  // namespace llmauth::xml
