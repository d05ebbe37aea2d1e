// icgd/claims/registry.hpp — the claim registry behind `icgd verify`.
//
// A claim (theory.md §E) has an id, its source (paper, section/equation), a statement and a
// kind. It is established by checks, one per engine, each of which can fail:
//   compile-time      static_asserts over Polynomial in proofs/ (reported with the swept sizes;
//                     `icgd` is built only after the proofs, so a listed size was proved);
//   runtime symbolic  the same templates over Polynomial at sizes chosen on the command line;
//   exact rational    the same templates on random rational instances;
//   numeric double    an independent Eigen implementation at large sizes, against a stated
//                     relative error bound.
// Every engine also runs the claim's negative control (a deliberately broken construction) and
// requires it to FAIL: an engine that cannot tell the two apart proves nothing.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

namespace icgd::claims {

enum class Kind { identity, analytic, statistical };
enum class Engine { compile_time, runtime_symbolic, exact_rational, numeric_double, dimension_free };
enum class Status { held, failed, error };

std::string to_string(Kind);
std::string to_string(Engine);
std::string to_string(Status);

struct Claim {
  std::string id;         // theory.md §E id, e.g. "VO-1"
  std::string source;     // paper, section, equation
  std::string statement;  // what is claimed
  Kind kind;
  bool negative_control;  // the claim is that an identity FAILS (e.g. VO-3b)
  std::string control;    // the broken construction each engine must refute ("" if none)
};

struct EngineResult {
  Engine engine;
  std::string sizes;    // e.g. "Nx=16 Ny=1 N=32"
  Status status;
  std::string detail;   // measured error, control outcome, or the reason for an error
  double seconds = 0;
};

struct ClaimReport {
  Claim claim;
  std::vector<EngineResult> results;
  [[nodiscard]] bool held() const;
};

/// Every claim icgd checks, in theory.md §E order.
const std::vector<Claim>& registry();
/// The claim with this id, or nullopt.
std::optional<Claim> find_claim(const std::string& id);

struct VerifyOptions {
  // runtime symbolic + exact rational, single layer (VO-1, VO-2)
  int nx = 16, ny = 1, n = 32;
  // runtime symbolic + exact rational, stacks (VO-3, VO-3b, VO-4)
  int stack_nx = 3, stack_ny = 2, stack_n = 4, layers = 3;
  // numeric double (Eigen)
  int numeric_nx = 256, numeric_ny = 1, numeric_n = 1024;
  int rational_instances = 3;
  std::uint64_t seed = 1;
  double relative_error_bound = 1e-10;
  std::vector<std::string> claim_ids;  // empty: all
  std::vector<Engine> engines;         // empty: all
};

/// Thrown for options no engine can honour (size ≤ 0, a size beyond an engine's reach, an
/// unknown claim id): the command line turns it into a one-line error with exit status 2.
struct invalid_request : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The two sides of a claim as one engine computes them (for `icgd verify --explain`).
struct Explanation {
  Engine engine;
  std::string what;    // the statement or construction shown, with its sizes
  bool agree;          // the two normal forms are identical
  bool expected_to_agree;  // false for a negative control
  std::string lhs, rhs, first_difference;  // normal forms, truncated for very long ones
};
/// Both engines' normal forms of a claim (fixed-size polynomial engine at the single-layer or
/// stack sizes of `options`, dimension-free engine), its negative control included.
std::vector<Explanation> explain(const std::string& claim_id, const VerifyOptions& options);

/// Checks `options.validate()` then runs every selected claim on every selected engine.
std::vector<ClaimReport> verify(const VerifyOptions& options);
/// Throws invalid_request for sizes or ids that cannot be checked.
void validate(const VerifyOptions& options);

}  // namespace icgd::claims
