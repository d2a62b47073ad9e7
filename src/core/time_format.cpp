#include "llmauth/core/time_format.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace llmauth::timefmt {
namespace {

bool read_digits(std::string_view s, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  pos += count;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::tm to_utc_tm(TimePoint t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

std::optional<TimePoint> parse_http_date(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto month_at = kMonths.find(text.substr(8, 3));
  if (month_at == std::string_view::npos || month_at % 3 != 0) return std::nullopt;
  std::size_t pos = 5;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 2, day)) return std::nullopt;
  pos = 12;
  if (!read_digits(text, pos, 4, year)) return std::nullopt;
  pos = 17;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  char iso[32];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", year,
                static_cast<int>(month_at / 3 + 1), day, hour, minute, second);
  return parse_iso8601(iso);
}

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const bool compact = s.size() >= 9 && s[8] == 'T' && s.find('-') == std::string_view::npos;
  if (!read_digits(s, pos, 4, year)) return std::nullopt;
  if (!compact && !expect(s, pos, '-')) return std::nullopt;
  if (!read_digits(s, pos, 2, month)) return std::nullopt;
  if (!compact && !expect(s, pos, '-')) return std::nullopt;
  if (!read_digits(s, pos, 2, day)) return std::nullopt;
  if (!expect(s, pos, 'T') && !expect(s, pos, 't') && !expect(s, pos, ' ')) return std::nullopt;
  if (!read_digits(s, pos, 2, hour)) return std::nullopt;
  if (!compact && !expect(s, pos, ':')) return std::nullopt;
  if (!read_digits(s, pos, 2, minute)) return std::nullopt;
  if (!compact && !expect(s, pos, ':')) return std::nullopt;
  if (!read_digits(s, pos, 2, second)) return std::nullopt;
  long long micros = 0;
  if (expect(s, pos, '.')) {
    long long scale = 100000;
    std::size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int offset_seconds = 0;
  if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(s, pos, 2, oh)) return std::nullopt;
    expect(s, pos, ':');
    if (!read_digits(s, pos, 2, om)) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;  // a timestamp without a zone is ambiguous
  }
  if (pos != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  // system_clock (nanoseconds) spans 1677..2262: clamp to 1970..2200 so nothing overflows.
  // "9999-12-31" means "never" to whoever wrote it; a year before 1970 is long past.
  if (year < 1970) {
    year = 1970;
    month = 1;
    day = 1;
    hour = minute = second = 0;
    micros = 0;
    offset_seconds = 0;
  } else if (year >= 2200) {
    year = 2200;
    month = 1;
    day = 1;
    hour = minute = second = 0;
    micros = 0;
    offset_seconds = 0;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  auto tp = std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
            std::chrono::seconds{second} - std::chrono::seconds{offset_seconds} +
            std::chrono::microseconds{micros};
  return std::chrono::time_point_cast<TimePoint::duration>(tp);
}

std::string format_iso8601(TimePoint t) {
  const std::tm tm = to_utc_tm(t);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::string format_amz_date(TimePoint t) {
  const std::tm tm = to_utc_tm(t);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return buf.data();
}

std::string format_amz_day(TimePoint t) {
  const std::tm tm = to_utc_tm(t);
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%d", &tm);
  return buf.data();
}

std::string describe_remaining(TimePoint t, TimePoint now) {
  using namespace std::chrono;
  const auto secs = duration_cast<seconds>(t - now).count();
  const auto a = secs < 0 ? -secs : secs;
  std::string amount;
  if (a < 120) {
    amount = std::to_string(a) + " s";
  } else if (a < 7200) {
    amount = std::to_string(a / 60) + " min";
  } else {
    amount = std::to_string(a / 3600) + " h " + std::to_string((a % 3600) / 60) + " min";
  }
  return secs < 0 ? "expired " + amount + " ago" : "expires in " + amount;
}

}  // namespace llmauth::timefmt
