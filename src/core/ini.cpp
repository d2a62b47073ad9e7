#include "llmauth/core/ini.hpp"

#include <algorithm>
#include <cctype>

#include "llmauth/core/error.hpp"

namespace llmauth {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_comment(std::string_view stripped) {
  return !stripped.empty() && (stripped.front() == '#' || stripped.front() == ';');
}

std::size_t indent_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

}  // namespace

std::optional<std::string> IniSection::get(std::string_view key) const {
  const auto it = values.find(std::string(key));
  if (it == values.end() || it->second.is_subsection) return std::nullopt;
  return it->second.value;
}

IniFile IniFile::parse(std::string_view text, std::string path) {
  IniFile file;
  file.path = std::move(path);
  auto fail = [&](int line, const std::string& what) -> Error {
    return Error(file.path + ":" + std::to_string(line) + ": " + what, ErrorCode::kInvalidInput);
  };

  IniSection* section = nullptr;
  IniValue* current = nullptr;  // the value that indented lines continue
  std::size_t current_indent = 0;
  int line_no = 0;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  while (!text.empty() || line_no == 0) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view stripped = trim(line);

    if (stripped.empty()) {
      if (current != nullptr) current->value += '\n';  // blank lines may sit inside a value
      if (nl == std::string_view::npos) break;
      continue;
    }
    if (is_comment(stripped)) {
      if (nl == std::string_view::npos) break;
      continue;
    }
    const std::size_t indent = indent_of(line);
    if (current != nullptr && indent > current_indent) {
      current->value += '\n';
      current->value += stripped;
      if (nl == std::string_view::npos) break;
      continue;
    }
    if (current != nullptr) {
      while (!current->value.empty() && current->value.back() == '\n') current->value.pop_back();
    }
    current = nullptr;

    if (stripped.front() == '[') {
      const auto close = stripped.find(']');
      if (close == std::string_view::npos) {
        throw fail(line_no, "section header has no closing ']'");
      }
      const std::string name(stripped.substr(1, close - 1));
      if (file.sections.count(name) != 0) {
        throw fail(line_no, "section [" + name + "] already appears at line " +
                                std::to_string(file.sections[name].line) +
                                "; merge the two sections");
      }
      section = &file.sections[name];
      section->name = name;
      section->line = line_no;
    } else {
      if (section == nullptr) {
        throw fail(line_no, "'" + std::string(stripped.substr(0, 40)) +
                                "' comes before any [section] header");
      }
      const auto delim = stripped.find_first_of("=:");
      if (delim == std::string_view::npos) {
        throw fail(line_no, "expected 'key = value', found '" +
                                std::string(stripped.substr(0, 40)) + "'");
      }
      const std::string key = lower(trim(stripped.substr(0, delim)));
      if (key.empty()) throw fail(line_no, "a value with no key name before '='");
      if (section->values.count(key) != 0) {
        throw fail(line_no, "key '" + key + "' is repeated in section [" + section->name +
                                "] (first at line " + std::to_string(section->values[key].line) +
                                "); keep one");
      }
      IniValue& value = section->values[key];
      value.value = std::string(trim(stripped.substr(delim + 1)));
      value.line = line_no;
      current = &value;
      current_indent = indent;
    }
    if (nl == std::string_view::npos) break;
  }
  if (current != nullptr) {
    while (!current->value.empty() && current->value.back() == '\n') current->value.pop_back();
  }

  // Sub-sections: a value whose first line is empty holds `name = value` lines.
  for (auto& [name, sec] : file.sections) {
    for (auto& [key, value] : sec.values) {
      if (value.value.empty() || value.value.front() != '\n') continue;
      value.is_subsection = true;
      std::string_view rest(value.value);
      int offset = 0;
      while (!rest.empty()) {
        const auto nl = rest.find('\n');
        const std::string_view sub_line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (sub_line.empty()) {
          ++offset;
          continue;
        }
        const auto eq = sub_line.find('=');
        if (eq == std::string_view::npos) {
          throw fail(value.line + offset, "in sub-section '" + key + "' of [" + name +
                                              "]: expected 'name = value', found '" +
                                              std::string(sub_line.substr(0, 40)) + "'");
        }
        value.sub[std::string(trim(sub_line.substr(0, eq)))] =
            std::string(trim(sub_line.substr(eq + 1)));
        ++offset;
      }
    }
  }
  return file;
}

}  // namespace llmauth
