// VO-1, VO-2 at Nx = 1 for every Ny, N of icgd/icl/proof_sizes.hpp. Building this file is the proof.
#include "prop1_proofs.hpp"

template void icgd::proofs::prove_prop1_group<1>();
