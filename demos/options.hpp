// demos/options.hpp — the one validator every numeric option of every `icgd` command uses.
//
// A number on the command line is written in decimal, with no leading zero (`010` is not 8 and
// not 10: it is refused), no base prefix (`0x10`), no surrounding text, and lies within the
// option's documented range. NaN and infinities are never numbers here. An empty string is
// refused for every option that takes a value (NonEmpty). Every refusal is a CLI11 validation
// error, which `icgd` prints as one line with exit status 2 before anything is created.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace icgd::cli {

/// Decimal integer within [lo, hi]; nullopt (and `why`) when `text` is not one.
std::optional<long long> parse_integer(const std::string& text, long long lo, long long hi, std::string* why = nullptr);
/// Unsigned decimal integer within [0, hi] (seeds: up to 2^64 − 1).
std::optional<unsigned long long> parse_unsigned(const std::string& text, unsigned long long hi, std::string* why = nullptr);
/// Finite decimal real within the range: [lo, hi], with `lo_open` for (lo, hi]. `allow_zero`
/// admits 0 even when the range excludes it (e.g. --clip: 0 means no clipping).
struct RealRange {
  double lo, hi;
  bool lo_open = false;
  bool allow_zero = false;
};
std::optional<double> parse_real(const std::string& text, const RealRange& range, std::string* why = nullptr);

/// CLI11 validators built on the parse functions above. Their description (shown in --help)
/// is the range, e.g. "INT in [1, 10000000]".
CLI::Validator Integer(long long lo, long long hi);
CLI::Validator Unsigned(unsigned long long hi = UINT64_MAX);
CLI::Validator Real(RealRange range);
/// Any non-empty string (paths, ids, names).
extern const CLI::Validator NonEmpty;

/// Upper bounds shared by the commands (docs/demos.md, "Ranges"): chosen so that a run fits a
/// machine of 2 cores and 24 GiB and ends in reasonable time.
namespace limits {
inline constexpr long long steps = 10'000'000;    ///< training steps of one run
inline constexpr long long tasks = 200'000;       ///< evaluation / fitting tasks
inline constexpr long long batch = 65'536;        ///< tasks per training step
inline constexpr long long dim = 256;             ///< input dimension d
inline constexpr long long context = 1024;        ///< context size N
inline constexpr long long threads = 256;         ///< worker threads (capped at the machine's)
inline constexpr long long seeds = 100;           ///< seeds of one demo
inline constexpr long long width = 4096;          ///< embedding / hidden / key sizes
inline constexpr double memory_fraction = 0.5;    ///< of physical memory a run may plan to use
}  // namespace limits

/// Physical memory of this machine in bytes (0 if unknown).
std::uint64_t physical_memory_bytes();
/// Throws InputError when `bytes` (an estimate of what a run would allocate) exceeds
/// limits::memory_fraction of physical memory; `what` names the options responsible.
void require_memory(double bytes, const std::string& what);
/// Resolves a thread count: 0 means all hardware threads; above the machine's count it is
/// capped with a one-line warning on stderr (printed once).
int resolve_thread_count(long long requested);

}  // namespace icgd::cli
