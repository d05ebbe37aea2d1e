// Analytic optimum of one-step GD (docs/papers/von_oswald.md, "Experiments and the numbers to hit"; claims VO-6, VO-7). Derivation in oracle.hpp.
#include "icgd/train/oracle.hpp"

#include <stdexcept>

namespace icgd::train {

double OneStepGdOracle::half_risk_at(double eta) const {
  // risk(α) = s_w² σ² (α² E tr Ŝ² − 2α d σ² + d); half_risk_zero = 0.5 s_w² d σ² fixes s_w².
  const double d = 2.0 * half_risk_zero / sigma2 / weight_scale2;
  return 0.5 * weight_scale2 * sigma2 * (eta * eta * expected_tr_S2 - 2.0 * eta * d * sigma2 + d);
}

OneStepGdOracle one_step_gd_oracle(double sigma2, double fourth_moment, int d, int n,
                                   double weight_scale) {
  if (d < 1 || n < 1 || sigma2 <= 0) throw std::invalid_argument("one_step_gd_oracle: bad arguments");
  OneStepGdOracle o;
  const double dd = d, nn = n;
  o.sigma2 = sigma2;
  o.fourth_moment = fourth_moment;
  o.weight_scale2 = weight_scale * weight_scale;
  const double e_norm4 = dd * fourth_moment + dd * (dd - 1.0) * sigma2 * sigma2;
  o.expected_tr_S2 = e_norm4 / nn + (nn - 1.0) / nn * dd * sigma2 * sigma2;
  o.alpha_star = dd * sigma2 / o.expected_tr_S2;
  const double ds2 = dd * sigma2;
  o.half_risk = 0.5 * o.weight_scale2 * sigma2 * (dd - ds2 * ds2 / o.expected_tr_S2);
  o.half_risk_zero = 0.5 * o.weight_scale2 * dd * sigma2;
  return o;
}

OneStepGdOracle one_step_gd_oracle_uniform(double a, int d, int n, double weight_scale) {
  const double a2 = a * a;
  return one_step_gd_oracle(a2 / 3.0, a2 * a2 / 5.0, d, n, weight_scale);
}

OneStepGdOracle one_step_gd_oracle_gaussian(double s, int d, int n, double weight_scale) {
  const double s2 = s * s;
  return one_step_gd_oracle(s2, 3.0 * s2 * s2, d, n, weight_scale);
}

}  // namespace icgd::train
