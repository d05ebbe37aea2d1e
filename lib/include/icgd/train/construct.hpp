// icgd/train/construct.hpp — constructed weights as models, so that trained and constructed
// models run through the same code (docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence", "GD++: curvature correction").
#pragma once

#include "icgd/train/model.hpp"

#include <Eigen/Dense>

#include <vector>

namespace icgd::train {

/// Writes the Prop. 1 weights into attention layer slot `layer` of a one-head model with key
/// size = token width = x_dim + y_dim (docs/papers/von_oswald.md, "Proposition 1"):
///   W_K = W_Q = [[I, 0], [0, 0]],  W_V = [[0, 0], [W_0, −I]],  P = (η/N) I.
/// `W0` is y_dim × x_dim (empty means zero). For a recurrent model `layer` must be 0.
template <class T>
void set_prop1_layer(Model<T>& model, int layer, double eta, int num_context,
                     const Eigen::MatrixXd& W0 = {});

/// Writes the GD++ weights of docs/papers/von_oswald.md, "GD++: curvature correction" into attention layer `layer`:
///   W_K = W_Q = [[I, 0], [0, 0]],  W_V = [[I, 0], [W_0, −I]],  P = diag(−γ I_x, (η/N) I_y).
template <class T>
void set_gd_plus_plus_layer(Model<T>& model, int layer, double gamma, double eta, int num_context,
                            const Eigen::MatrixXd& W0 = {});

/// A linear-attention stack whose layer l performs one GD step with learning rate etas[l]
/// (K = etas.size() steps, A.4). `recurrent` requires all etas equal and builds one shared
/// layer applied K times. Tokens: concatenated, width x_dim + y_dim, query masked.
template <class T>
Model<T> make_gd_model(int x_dim, int y_dim, int num_context, const std::vector<double>& etas,
                       bool recurrent = false, const Eigen::MatrixXd& W0 = {});

/// A stack performing GD++ with per-layer (γ_l, η_l) (von_oswald.md, "GD++: curvature correction").
template <class T>
Model<T> make_gd_plus_plus_model(int x_dim, int y_dim, int num_context,
                                 const std::vector<double>& gammas, const std::vector<double>& etas,
                                 bool recurrent = false);

/// The products W_KQ = Σ_h W_K,hᵀ W_Q,h and W_PV = Σ_h P_h W_V,h of attention layer `layer`
/// (width × width each): the quantities the interpolation and the paper's figures use.
template <class T>
void attention_products(const Model<T>& model, int layer, Eigen::MatrixXd& W_KQ,
                        Eigen::MatrixXd& W_PV);

}  // namespace icgd::train
