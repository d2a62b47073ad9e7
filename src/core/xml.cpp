#include "llmauth/core/xml.hpp"

#include <expat.h>

#include <climits>
#include <memory>
#include <optional>

#include "llmauth/core/error.hpp"

namespace llmauth::xml {
namespace {

// What the expat callbacks build. Exceptions must not cross expat's C frames, so the callbacks
// record a problem and stop the parser instead of throwing.
struct Builder {
  XML_Parser parser = nullptr;
  std::optional<Element> root;
  std::vector<Element*> open;  // ancestors of the current position; back() is the innermost
  std::string problem;         // set when we stopped the parser ourselves

  void stop(std::string why) {
    if (problem.empty()) problem = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

void on_start(void* user, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto& b = *static_cast<Builder*>(user);
  try {
    if (static_cast<int>(b.open.size()) >= kMaxDepth) {
      b.stop("elements nested deeper than " + std::to_string(kMaxDepth));
      return;
    }
    Element* element = nullptr;
    if (b.open.empty()) {
      b.root.emplace();
      element = &*b.root;
    } else {
      // Only the innermost open element's children change, so the pointers to its ancestors in
      // `open` stay valid.
      element = &b.open.back()->children.emplace_back();
    }
    element->name = name;
    b.open.push_back(element);
  } catch (const std::exception&) {
    b.stop("out of memory");
  }
}

void on_end(void* user, const XML_Char* /*name*/) {
  auto& b = *static_cast<Builder*>(user);
  if (!b.open.empty()) b.open.pop_back();
}

void on_text(void* user, const XML_Char* data, int length) {
  auto& b = *static_cast<Builder*>(user);
  if (b.open.empty() || length <= 0) return;
  try {
    b.open.back()->text.append(data, static_cast<std::size_t>(length));
  } catch (const std::exception&) {
    b.stop("out of memory");
  }
}

void on_doctype(void* user, const XML_Char* /*name*/, const XML_Char* /*sysid*/,
                const XML_Char* /*pubid*/, int /*has_internal_subset*/) {
  static_cast<Builder*>(user)->stop("document type declarations are not accepted");
}

struct ParserDeleter {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

}  // namespace

const Element* Element::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::string Element::child_text(std::string_view child_name) const {
  const Element* c = child(child_name);
  return c == nullptr ? std::string() : c->text;
}

Element parse(std::string_view document, std::string_view what) {
  const auto invalid = [&](const std::string& reason) {
    return Error(std::string(what) + ": not valid XML (" + reason + ")", ErrorCode::kInvalidInput);
  };
  if (document.size() > static_cast<std::size_t>(INT_MAX)) throw invalid("the document is too large");
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter> parser(
      XML_ParserCreate(nullptr));
  if (!parser) throw Error(std::string(what) + ": could not create an XML parser");
  Builder b;
  b.parser = parser.get();
  XML_SetUserData(parser.get(), &b);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
  const auto status = XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()),
                                XML_TRUE);
  if (status != XML_STATUS_OK || !b.root) {
    const std::string reason =
        !b.problem.empty() ? b.problem
        : document.empty() ? std::string("the document is empty")
                           : std::string(XML_ErrorString(XML_GetErrorCode(parser.get())));
    throw invalid(reason + " at line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                  ", column " + std::to_string(XML_GetCurrentColumnNumber(parser.get()) + 1));
  }
  return std::move(*b.root);
}

}  // namespace llmauth::xml
