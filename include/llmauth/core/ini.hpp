// INI files as the AWS shared config and credentials files use them, parsed the way botocore
// does (Python's RawConfigParser, strict):
//  - `[section]` headers; `key = value` or `key: value`; keys lower-cased, values trimmed;
//  - full-line comments starting with `#` or `;` (no inline comments: `a = b # c` is "b # c");
//  - an indented line continues the previous value; a key whose value is empty and continued by
//    indented `name = value` lines is a sub-section (`s3 =\n  max_concurrent_requests = 10`);
//  - a key repeated in one section, or a section repeated in one file, is an error (botocore
//    refuses the whole file), as is a key outside any section or a line that is not `key = value`.
// Errors name file:line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace llmauth {

struct IniValue {
  std::string value;                       // raw (continuation lines joined with '\n')
  std::map<std::string, std::string> sub;  // when the value is a sub-section
  bool is_subsection = false;
  int line = 0;
};

struct IniSection {
  std::string name;
  int line = 0;
  std::map<std::string, IniValue> values;
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
};

struct IniFile {
  std::string path;
  std::map<std::string, IniSection> sections;

  // Throws Error(kInvalidInput) "path:line: what is wrong; how to fix it".
  static IniFile parse(std::string_view text, std::string path);
};

}  // namespace llmauth
