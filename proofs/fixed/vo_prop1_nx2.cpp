// VO-1, VO-2 at Nx = 2 for every Ny, N of icgd/icl/proof_sizes.hpp. Building this file is the proof;
// its receipts tell `icgd verify` so.
#include "prop1_proofs.hpp"

namespace {
constexpr bool proved = icgd::proofs::prove_prop1_group<2>();
ICGD_PROVE("VO-1", icgd::proofs::prop1_sizes_text(2), proved, proved, "VO-1 at Nx = 2");
ICGD_PROVE("VO-2", icgd::proofs::prop1_sizes_text(2), proved, proved, "VO-2 at Nx = 2");
// The controls once, at one small size (they double the cost of a unit).
ICGD_PROVE("VO-1b", "Nx=2 Ny=2 N=3", refuted, (icgd::proofs::prop1_control_refuted<2, 2, 3>("VO-1")),
           "VO-1b: +I in W_V must not pass for one GD step");
ICGD_PROVE("VO-2b", "Nx=2 Ny=2 N=3", refuted, (icgd::proofs::prop1_control_refuted<2, 2, 3>("VO-2")),
           "VO-2b: reading the prediction as +(y-slot) must not pass for the GD prediction");
}  // namespace
