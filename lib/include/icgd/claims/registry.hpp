// icgd/claims/registry.hpp — THE claim registry: every claim icgd knows, declared once.
//
// A claim has an id (VO-1, ZFB-3, ...; defined on the paper pages docs/papers/*.md), its source
// (paper and section, equation or figure), a statement, a kind (exact / analytic / statistical),
// the claims it builds on, its negative control, and its evidence: the proof units whose receipts
// establish it at compile time, the engines that check it when `icgd verify` runs, and the demo
// checks (recorded in a run folder's results.json) that decide it. Engines attach results to ids;
// they never restate a claim.
//
// Statuses are computed, never typed: a compile-time row from the receipts linked into the binary
// (claims/receipt.hpp), a runtime row from the engine that just ran, a statistical row from a run
// folder. Missing evidence reads "not built", "not run" or "not checked" — never "held".
#pragma once

#include "icgd/claims/receipt.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd::claims {

enum class Kind { exact, analytic, statistical };

/// Who produced a row of `icgd verify`.
enum class Engine {
  compile_time,          ///< static_asserts over Polynomial at fixed sizes (proofs/fixed)
  compile_time_dimfree,  ///< static_asserts of the dimension-free algebra, every size (proofs/dimfree)
  runtime_symbolic,      ///< the fixed-size templates over Polynomial at sizes chosen at run time
  exact_rational,        ///< the same templates on random exact rational instances
  numeric_double,        ///< an independent Eigen implementation in double at large sizes
  dimension_free,        ///< the dimension-free normal forms, evaluated when `icgd verify` runs
  demo_run,              ///< the checks of a demo's run folder (results.json)
  training_backward,     ///< the training engine's own backward pass (train/layers.hpp), exact on dyadic inputs
  gaussian_moments,      ///< exact Isserlis/Wick expectations over Rational/Polynomial (icgd/moments)
  monte_carlo,           ///< Monte-Carlo estimates, held within 3 standard errors of the closed form
};

/// The outcome of one row, or of a claim (the worst of its rows).
enum class Status {
  held,          ///< the evidence is there and it holds
  failed,        ///< an exact check failed (or a negative control was not refuted)
  did_not_hold,  ///< a demo check did not hold
  inconclusive,  ///< a demo check failed while its model had not converged
  error,         ///< an engine could not decide (engine limit, unreadable run)
  not_built,     ///< the proof unit that would establish it is not in this binary
  not_run,       ///< no run folder holds the demo checks that decide it
  not_checked,   ///< no engine of icgd checks it (yet)
};

[[nodiscard]] std::string to_string(Kind);
[[nodiscard]] std::string to_string(Engine);
[[nodiscard]] std::string to_string(Status);
/// Worst first: failed, error, did not hold, inconclusive, not built, not run, not checked, held.
[[nodiscard]] int severity(Status);

/// The demo checks that decide a statistical claim: the checks of demo `demo` whose id starts
/// with `check_prefix` (e.g. {"one-layer", "VO-6."}).
struct DemoEvidence {
  std::string demo;
  std::string check_prefix;
};

struct Evidence {
  std::vector<std::string> proof_units;  ///< e.g. "proofs/fixed/vo_stack.cpp"; each must hold a receipt
  std::vector<Engine> engines;           ///< the runtime engines that check it
  std::vector<DemoEvidence> demo_checks;
  [[nodiscard]] bool empty() const { return proof_units.empty() && engines.empty() && demo_checks.empty(); }
};

struct Control {
  std::string id;           ///< e.g. "VO-1b" (a claim id of its own when it is one, e.g. "VO-3b")
  std::string description;  ///< the broken construction every engine must refute
};

struct Claim {
  std::string id;         ///< e.g. "VO-1"
  std::string paper;      ///< e.g. "von Oswald et al. 2023"
  std::string location;   ///< section, equation or figure in the paper
  std::string page;       ///< where icgd states the mathematics, e.g. "docs/papers/von_oswald.md"
  std::string statement;  ///< what is claimed
  Kind kind;
  std::vector<std::string> builds_on;  ///< ids of the claims it builds on
  std::optional<Control> control;      ///< its negative control, if it has one
  bool negative_control = false;       ///< the claim is that an identity FAILS (VO-3b)
  Evidence evidence;
  [[nodiscard]] std::string source() const { return paper + ", " + location; }
};

/// Every claim, in the order of the papers (von Oswald, Ahn, Zhang–Frei–Bartlett, Mahankali, Dai).
[[nodiscard]] const std::vector<Claim>& registry();
/// The claim with this id, or nullopt.
[[nodiscard]] std::optional<Claim> find_claim(const std::string& id);

struct EngineResult {
  Engine engine;
  std::string sizes;    ///< e.g. "Nx=16 Ny=1 N=32", or the run folder for a demo row
  Status status;
  std::string detail;   ///< measured error, control outcome, the reason for an error
  double seconds = 0;
};

struct ClaimReport {
  Claim claim;
  std::vector<EngineResult> results;
  /// The worst row's status; not_checked when the claim has no evidence at all.
  [[nodiscard]] Status status() const;
  [[nodiscard]] bool held() const { return status() == Status::held; }
};

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
  std::vector<std::string> claim_ids;  ///< empty: all
  std::vector<Engine> engines;         ///< empty: all
  std::vector<std::filesystem::path> runs;  ///< run folders (or folders of them) to read demo checks from
};

/// Thrown for options no engine can honour (size ≤ 0, a size beyond an engine's reach, an
/// unknown claim id, a run folder that cannot be read): the command line turns it into a
/// one-line error with exit status 2.
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

/// Checks `validate(options)`, then gives every selected claim a row per selected evidence slot.
std::vector<ClaimReport> verify(const VerifyOptions& options);
/// Throws invalid_request for sizes, ids or run folders that cannot be checked.
void validate(const VerifyOptions& options);

/// The compile-time rows of one claim, from the receipts in `receipts` (normally the book of
/// this binary, proof_receipt_book()). A parameter so that the tests can show both a binary with
/// proofs and one without.
std::vector<EngineResult> compile_time_rows(const Claim& claim, const std::vector<ProofReceipt>& receipts);

/// One run folder's demo checks, as read from its results.json.
struct DemoRun {
  std::filesystem::path folder;
  std::string demo;
  std::uint64_t seed = 0;
  bool quick = false;
  struct CheckRecord {
    std::string id, outcome, relation, inconclusive_reason;
    double measured = 0, threshold = 0;
    bool enforced = true;
  };
  std::vector<CheckRecord> checks;
};
/// Every run folder at or below each path (a folder holding results.json, or a folder of run
/// folders such as `icgd demo all` writes). Throws invalid_request for a path that does not
/// exist, holds no run, or holds a results.json that is not a demo's.
std::vector<DemoRun> read_runs(const std::vector<std::filesystem::path>& paths);
/// The demo rows of one claim from `runs`; a single "not run" row when none of them decides it.
std::vector<EngineResult> demo_rows(const Claim& claim, const std::vector<DemoRun>& runs, bool runs_given);

}  // namespace icgd::claims
