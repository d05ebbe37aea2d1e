// icgd/claims/receipt.hpp — receipts: the evidence that a compile-time proof unit was built.
//
// A proof unit (a proofs/**/*.cpp file) is a set of static_asserts: compiling it IS the proof.
// `icgd verify` may report a compile-time row as held only if that unit was compiled into the
// binary it runs in. So every proof is written with ICGD_PROVE, which emits the static_assert
// and, in the same statement, a receipt object whose constructor records (unit, claim id, sizes,
// outcome) in a process-wide book at start-up. The receipt exists only in an object file whose
// static_asserts all passed, and only the binaries that link the proof objects (the `icgd`
// command) hold any; a build with ICGD_BUILD_PROOFS=OFF has none, and its compile-time rows say
// "not built".
//
// This header is included by the proof units, so it stays free of Eigen, fmt and Boost.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icgd::claims {

/// What a proof unit established about a claim id.
enum class ProofOutcome {
  proved,   ///< the identity holds (static_assert(identity))
  refuted,  ///< the identity FAILS, as a negative control must (static_assert(!identity))
};

struct ProofReceipt {
  std::string unit;      ///< the proof source, relative to the repository ("proofs/fixed/vo_stack.cpp")
  std::string claim_id;  ///< a registry id ("VO-3") or a control id ("VO-1b")
  std::string sizes;     ///< what was proved, e.g. "Nx=1 x Ny={1,2} x N={1..5}" or "every Nx, Ny, N; K = 2"
  ProofOutcome outcome = ProofOutcome::proved;
  std::string compiler;  ///< the compiler that checked it (__VERSION__ of that unit)
};

/// Every receipt linked into this binary, in start-up order.
inline std::vector<ProofReceipt>& proof_receipt_book() {
  static std::vector<ProofReceipt> book;  // function-local: safe whatever the start-up order
  return book;
}

namespace detail {
/// "/abs/path/proofs/fixed/x.cpp" → "proofs/fixed/x.cpp" (the unit's name in the registry).
inline std::string proof_unit_name(std::string_view file) {
  const auto at = file.rfind("proofs/");
  return std::string(at == std::string_view::npos ? file : file.substr(at));
}
struct RecordProof {
  RecordProof(std::string_view file, std::string_view claim_id, std::string sizes, ProofOutcome outcome) {
    proof_receipt_book().push_back(
        {proof_unit_name(file), std::string(claim_id), std::move(sizes), outcome, __VERSION__});
  }
};
}  // namespace detail

}  // namespace icgd::claims

#define ICGD_RECEIPT_CONCAT_(a, b) a##b
#define ICGD_RECEIPT_CONCAT(a, b) ICGD_RECEIPT_CONCAT_(a, b)

/// ICGD_PROVE(claim_id, sizes, outcome, condition, message): static_assert(condition, message) and
/// a receipt for claim_id (ProofOutcome outcome) at `sizes` (a std::string expression). Use at
/// namespace scope in a proof unit. `condition` is what the receipt stands for: for a negative
/// control pass `!holds<...>()` with ProofOutcome::refuted.
#define ICGD_PROVE(claim_id, sizes, outcome, condition, message)                                 \
  static_assert(condition, message);                                                            \
  [[maybe_unused]] static const ::icgd::claims::detail::RecordProof ICGD_RECEIPT_CONCAT(          \
      icgd_receipt_, __LINE__) {                                                                 \
    __FILE__, claim_id, sizes, ::icgd::claims::ProofOutcome::outcome                             \
  }
