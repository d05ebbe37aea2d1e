// VO-1, VO-2 at Nx = 3 for every Ny, N of icgd/icl/proof_sizes.hpp. Building this file is the proof;
// its receipts tell `icgd verify` so.
#include "prop1_proofs.hpp"

namespace {
constexpr bool proved = icgd::proofs::prove_prop1_group<3>();
ICGD_PROVE("VO-1", icgd::proofs::prop1_sizes_text(3), proved, proved, "VO-1 at Nx = 3");
ICGD_PROVE("VO-2", icgd::proofs::prop1_sizes_text(3), proved, proved, "VO-2 at Nx = 3");
}  // namespace
