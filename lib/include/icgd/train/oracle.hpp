// icgd/train/oracle.hpp — the analytic optimum of one-step GD from W_0 = 0 (docs/papers/von_oswald.md, "Experiments and the numbers to hit",
// claims VO-6/VO-7): for x with i.i.d. zero-mean symmetric coordinates (variance σ², fourth
// moment m₄), w ~ N(0, I_d), y = wᵀx, the prediction ŷ = α x_qᵀ Ŝ w (Ŝ = (1/N) Σ x_i x_iᵀ,
// α = η) has 0.5·risk(α) = 0.5 σ² (α² E tr Ŝ² − 2α d σ² + d), minimised at
//   α* = d σ² / E tr(Ŝ²),  E tr(Ŝ²) = E‖x‖⁴/N + (N−1)/N · d σ⁴,  E‖x‖⁴ = d m₄ + d(d−1) σ⁴.
#pragma once

namespace icgd::train {

struct OneStepGdOracle {
  double sigma2 = 0;             ///< per-coordinate variance σ²
  double fourth_moment = 0;      ///< per-coordinate E x⁴
  double expected_tr_S2 = 0;     ///< E tr(Ŝ²)
  double alpha_star = 0;         ///< optimal η (the reference code's lr_min)
  double half_risk = 0;          ///< 0.5 · risk at α*
  double half_risk_zero = 0;     ///< 0.5 · risk of ŷ = 0  (= 0.5 s_w² d σ²)
  double weight_scale2 = 1;      ///< s_w², the squared weight scale
  /// 0.5 · risk of one GD step with learning rate eta (a parabola in eta).
  double half_risk_at(double eta) const;
};

/// Coordinates with variance sigma2 and fourth moment fourth_moment; weight_scale multiplies w.
OneStepGdOracle one_step_gd_oracle(double sigma2, double fourth_moment, int d, int n,
                                   double weight_scale = 1.0);
/// x ~ U(−a, a)^d: σ² = a²/3, E x⁴ = a⁴/5.
OneStepGdOracle one_step_gd_oracle_uniform(double a, int d, int n, double weight_scale = 1.0);
/// x ~ N(0, s² I): σ² = s², E x⁴ = 3 s⁴.
OneStepGdOracle one_step_gd_oracle_gaussian(double s, int d, int n, double weight_scale = 1.0);

}  // namespace icgd::train
