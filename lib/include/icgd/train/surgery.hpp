// icgd/train/surgery.hpp — model surgery on linear-attention layers: iterate a layer as a damped
// recurrent stack, project a layer on the GD structure, read off its preconditioner
// (docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence").
//
// All three work through Model<T>::attention (typed views); the parameter names stay an
// internal detail of the model.
#pragma once

#include "icgd/train/model.hpp"

#include <Eigen/Dense>

namespace icgd::train {

/// The single layer of `one_layer` applied `iterations` times as a recurrent stack with damping
/// λ = `damping` (e ← e + λ·layer(e)). Why: by Prop. 1 the GD layer takes one gradient step,
/// and applied K times with damping it takes K steps with step λη (docs/papers/von_oswald.md,
/// "Several layers and the damped recurrence"); iterating a *trained* layer the same way asks
/// how far it keeps behaving like that GD layer.
///
/// `one_layer`: num_layers = 1 (per-layer or recurrent), full attention, no MLP blocks or layer
/// norm (a recurrent stack would add LN1 that the one-layer model does not have); the embedding
/// and input MLP, if any, are copied unchanged. Values are copied exactly (no rounding).
template <class T>
Model<T> iterate_layer(const Model<T>& one_layer, int iterations, double damping);

/// Every attention layer of `model` with the x-rows of W_PV = P W_V set to zero, written as
/// W_K = I, W_Q = W_KQ, W_V = W_PV (x-rows zeroed), P = I — which computes the same function as
/// the products (the layer depends on W_K, W_Q only through W_KQ = W_Kᵀ W_Q and on P, W_V only
/// through W_PV). Why: in Prop. 1's construction W_PV = [[0, 0], [W_0, −I]]·(η/N) has zero x-rows,
/// so the x-slots of the tokens never change (docs/papers/von_oswald.md, "Proposition 1"); a
/// trained layer that writes into them departs from GD, and iterating the projected layer shows
/// how much of the departure that accounts for. An exact GD layer is left with the same function.
///
/// `model`: full attention, one head with key size = width, no input embedding (the x/y split
/// of the hidden state is the token's). Everything but the attention matrices is copied.
template <class T>
Model<T> project_on_gd_structure(const Model<T>& model);

/// The part of attention layer `layer`'s query update that has the GD form (y_dim = 1):
/// Δy_q ∝ W_PV[y, y] · Σ_i y_i x_iᵀ W_KQ[x, x] x_q (docs/papers/von_oswald.md, "Proposition 1"),
/// i.e. A = W_PV[y, y] · W_KQ[x, x] (x_dim × x_dim, double). For the GD layer A = −(η/N)·I (the
/// sign is W_V's −I, undone by the read-out ŷ = −y-slot); a trained layer's A is that up to noise.
template <class T>
Eigen::MatrixXd gd_preconditioner(const Model<T>& model, int layer = 0);

/// Eigenvalues of sym(A) = (A + Aᵀ)/2 of gd_preconditioner, divided by their mean (GD: all 1).
/// Why: after one application the loss is flat around A = αI to first order, so the spread is
/// invisible there, but when the layer is iterated each eigen-direction converges at its own rate
/// (docs/papers/von_oswald.md, "Several layers and the damped recurrence"): the spread is what
/// makes an iterated trained layer drift from K-step GD at large K.
struct PreconditionerShape {
  double min_over_mean = 1, max_over_mean = 1;
};
template <class T>
PreconditionerShape preconditioner_shape(const Model<T>& model, int layer = 0);

}  // namespace icgd::train
