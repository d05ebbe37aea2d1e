// The shared number validator of the command line (demos/options.hpp).
#include "options.hpp"

#include "icgd/train/parallel.hpp"

#include "command.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace icgd::cli {
namespace {

void set(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

// Splits an optional sign from decimal digits; refuses empty, leading zeros and other bases.
bool decimal_digits(const std::string& text, bool& negative, std::string& digits, std::string* why) {
  if (text.empty()) return set(why, "an empty value; expected a decimal integer"), false;
  std::size_t i = 0;
  negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  digits = text.substr(i);
  if (digits.empty()) return set(why, fmt::format("'{}' is not a decimal integer", text)), false;
  for (char ch : digits)
    if (ch < '0' || ch > '9') return set(why, fmt::format("'{}' is not a decimal integer", text)), false;
  if (digits.size() > 1 && digits[0] == '0')
    return set(why, fmt::format("'{}': a leading zero is not allowed (write the number in decimal)", text)), false;
  return true;
}

// digits (no sign) as an unsigned value, saturating above UINT64_MAX.
bool to_unsigned(const std::string& digits, unsigned long long& value) {
  value = 0;
  for (char ch : digits) {
    const unsigned d = static_cast<unsigned>(ch - '0');
    if (value > (UINT64_MAX - d) / 10) return false;
    value = value * 10 + d;
  }
  return true;
}

std::string range_text(long long lo, long long hi) { return fmt::format("[{}, {}]", lo, hi); }

}  // namespace

std::optional<long long> parse_integer(const std::string& text, long long lo, long long hi, std::string* why) {
  bool negative = false;
  std::string digits;
  if (!decimal_digits(text, negative, digits, why)) return std::nullopt;
  unsigned long long magnitude = 0;
  const bool fits = to_unsigned(digits, magnitude) && magnitude <= (negative ? 9223372036854775808ULL : 9223372036854775807ULL);
  long long value = 0;
  if (fits) value = negative ? static_cast<long long>(0 - magnitude) : static_cast<long long>(magnitude);
  if (!fits || value < lo || value > hi) {
    set(why, fmt::format("{} is outside {}", text, range_text(lo, hi)));
    return std::nullopt;
  }
  return value;
}

std::optional<unsigned long long> parse_unsigned(const std::string& text, unsigned long long hi, std::string* why) {
  bool negative = false;
  std::string digits;
  if (!decimal_digits(text, negative, digits, why)) return std::nullopt;
  unsigned long long value = 0;
  if ((negative && digits != "0") || !to_unsigned(digits, value) || value > hi) {
    set(why, fmt::format("{} is outside [0, {}]", text, hi));
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_real(const std::string& text, const RealRange& r, std::string* why) {
  const std::string range = fmt::format("{}{}, {}]{}", r.lo_open ? "(" : "[", r.lo, r.hi, r.allow_zero ? " or 0" : "");
  if (text.empty()) return set(why, "an empty value; expected a decimal number"), std::nullopt;
  // Syntax: [sign] (0 | [1-9][0-9]*) [. digits] [e [sign] digits], or [sign] . digits [...]
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  const std::size_t int_digits = i - int_start;
  std::size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t s = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    frac_digits = i - s;
  }
  bool ok = int_digits + frac_digits > 0;
  if (ok && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t s = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    ok = i > s;
  }
  ok = ok && i == text.size();
  if (!ok) return set(why, fmt::format("'{}' is not a decimal number (expected e.g. 0.001 or 1e-3; NaN and inf are not allowed)", text)), std::nullopt;
  if (int_digits > 1 && text[int_start] == '0')
    return set(why, fmt::format("'{}': a leading zero is not allowed", text)), std::nullopt;
  errno = 0;
  const double value = std::strtod(text.c_str(), nullptr);
  const bool in_range = std::isfinite(value) && errno != ERANGE &&
                        ((r.lo_open ? value > r.lo : value >= r.lo) && value <= r.hi);
  if (!(in_range || (r.allow_zero && value == 0))) {
    set(why, fmt::format("{} is outside {}", text, range));
    return std::nullopt;
  }
  return value;
}

CLI::Validator Integer(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) {
        std::string why;
        return parse_integer(text, lo, hi, &why) ? std::string() : why;
      },
      fmt::format("INT in {}", range_text(lo, hi)));
}

CLI::Validator Unsigned(unsigned long long hi) {
  return CLI::Validator(
      [hi](std::string& text) {
        std::string why;
        return parse_unsigned(text, hi, &why) ? std::string() : why;
      },
      fmt::format("UINT in [0, {}]", hi));
}

CLI::Validator Real(RealRange range) {
  return CLI::Validator(
      [range](std::string& text) {
        std::string why;
        return parse_real(text, range, &why) ? std::string() : why;
      },
      fmt::format("REAL in {}{}, {}]{}", range.lo_open ? "(" : "[", range.lo, range.hi, range.allow_zero ? " or 0" : ""));
}

const CLI::Validator NonEmpty(
    [](std::string& text) { return text.empty() ? std::string("an empty value is not allowed") : std::string(); }, "");

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

void require_memory(double bytes, const std::string& what) {
  const double physical = static_cast<double>(physical_memory_bytes());
  const double limit = physical > 0 ? limits::memory_fraction * physical : 8.0 * (1ULL << 30);
  if (!(bytes <= limit))
    throw InputError(fmt::format("{} would need about {:.1f} GiB of memory (limit {:.1f} GiB, half of this machine's); choose smaller sizes",
                                 what, bytes / double(1ULL << 30), limit / double(1ULL << 30)));
}

int resolve_thread_count(long long requested) {
  // The machine's count comes from the library's one resolver (train::resolve_threads); the
  // command line adds the cap and its warning.
  const long long hardware = train::resolve_threads(0);
  if (requested <= 0) return static_cast<int>(hardware);
  if (requested > hardware) {
    static bool warned = false;
    if (!warned)
      fmt::print(stderr, "icgd: warning: --threads {} capped at {} (the hardware threads of this machine)\n", requested, hardware);
    warned = true;
    return static_cast<int>(hardware);
  }
  return static_cast<int>(requested);
}

}  // namespace icgd::cli
