// Dai et al. 2023's ICL-versus-finetuning metrics (icgd/train/icl_metrics.hpp; docs/papers/dai.md,
// claim DAI-5): each definition pinned on small hand-made arrays, with the value a plausible
// wrong definition would give next to it, and the forward-pass record against a hand computation.
#include "icgd/train/icl_metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace icgd::train;

namespace {
Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v(i++) = x;
  return v;
}
}  // namespace

TEST_CASE("Rec2FTP: counts over ZSL-wrong examples, ratio = both right / FT right") {
  // Examples: 0 ZSL wrong, FT right, ICL right; 1 ZSL wrong, FT right, ICL wrong;
  // 2 ZSL wrong, FT wrong, ICL right; 3 ZSL right (ignored whatever the others say).
  const std::vector<bool> zsl{false, false, false, true}, ft{true, true, false, true}, icl{true, false, true, true};
  const RecallToFinetuning r = recall_to_finetuning(zsl, ft, icl);
  CHECK(r.examples == 4);
  CHECK(r.zsl_wrong_ft_right == 2);
  CHECK(r.zsl_wrong_ft_right_icl_right == 1);
  CHECK(r.zsl_wrong_icl_right == 2);
  CHECK(r.percent == doctest::Approx(50.0));  // not 2/3 (a ratio over ICL's wins) nor 3/4 (all examples)
  CHECK(std::isnan(recall_to_finetuning({true}, {true}, {true}).percent));  // nothing went wrong → right
  CHECK_THROWS_AS(recall_to_finetuning({true}, {true, false}, {true}), std::invalid_argument);
}

TEST_CASE("SimAOU normalises the hidden states BEFORE taking the updates") {
  const Eigen::VectorXd zsl = vec({1, 0}), icl = vec({0, 2}), ft = vec({0, 5});
  // Normalised: icl − zsl = ft − zsl = (−1, 1): cosine 1. Raw updates (−1, 2), (−1, 5) would give
  // 11 / (√5 √26) ≈ 0.965.
  CHECK(attention_output_update_similarity(zsl, icl, ft) == doctest::Approx(1.0).epsilon(1e-15));
  const double raw = reference_cosine(icl - zsl, ft - zsl);
  CHECK(raw == doctest::Approx(11.0 / std::sqrt(5.0 * 26.0)));
  // Mirror-image states: u = (1/√2 − 1, 1/√2), v = (1/√2 − 1, −1/√2), cos = (1 − √2)/(2 − √2) = −1/√2.
  CHECK(attention_output_update_similarity(vec({1, 0}), vec({1, 1}), vec({1, -1})) == doctest::Approx(-1.0 / std::sqrt(2.0)));
  // The reference's 1e−20: an ICL state that only rescales the ZSL state has update 0 → similarity 0, not NaN.
  CHECK(attention_output_update_similarity(vec({1, 2}), vec({3, 6}), vec({0, 1})) == 0.0);
}

TEST_CASE("SimAM: mean over heads of the cosine of PRE-softmax score rows") {
  Eigen::MatrixXd a(2, 3), b(2, 3);
  a << 1, 2, 3,   //
      1, 0, 0;
  b << 2, 4, 6,   // head 0: parallel → 1
      0, 1, 0;    // head 1: orthogonal → 0
  CHECK(attention_map_similarity(a, b) == doctest::Approx(0.5));
  // After a softmax the rows would be probability vectors with a cosine near 1 for head 1: the
  // metric must not normalise.
  Eigen::MatrixXd sa = a, sb = b;
  for (Eigen::Index h = 0; h < 2; ++h) {
    sa.row(h) = sa.row(h).array().exp() / sa.row(h).array().exp().sum();
    sb.row(h) = sb.row(h).array().exp() / sb.row(h).array().exp().sum();
  }
  CHECK(attention_map_similarity(sa, sb) > 0.75);
  CHECK_THROWS_AS(attention_map_similarity(a, Eigen::MatrixXd(2, 2)), std::invalid_argument);
}

TEST_CASE("Kendall tau-b: hand-counted pairs, ties, invariance under a softmax") {
  // (1..5) against (3,4,1,2,5): 6 concordant, 4 discordant pairs → 0.2.
  CHECK(kendall_tau_b(vec({1, 2, 3, 4, 5}), vec({3, 4, 1, 2, 5})) == doctest::Approx(0.2));
  // Ties: (1,1,2,3) vs (1,2,2,3): C − D = 4, 5 untied pairs on each side → 4/5 (τ_a would be 4/6).
  CHECK(kendall_tau_b(vec({1, 1, 2, 3}), vec({1, 2, 2, 3})) == doctest::Approx(0.8));
  CHECK(kendall_tau_b(vec({1, 2, 3}), vec({3, 2, 1})) == doctest::Approx(-1.0));
  CHECK(std::isnan(kendall_tau_b(vec({1, 1, 1}), vec({1, 2, 3}))));
  // The paper's FT side (raw inner products) and the reference's (their softmax) rank alike.
  const Eigen::VectorXd raw = vec({0.3, -1.2, 2.5, 0.0, 0.7}), icl = vec({0.1, 0.05, 0.4, 0.2, 0.25});
  const Eigen::VectorXd soft = raw.array().exp() / raw.array().exp().sum();
  CHECK(kendall_tau_b(icl, raw) == kendall_tau_b(icl, soft));
}

TEST_CASE("random directions: centred Gaussian of the given norm, or the reference's uniform [0, 1)") {
  const Eigen::VectorXd g = random_direction(400, 3.0, false, 5, 1);
  CHECK(g.norm() == doctest::Approx(3.0));
  CHECK(std::abs(g.mean()) < 0.05);
  const Eigen::VectorXd u = random_direction(400, 3.0, true, 5, 1);
  CHECK(u.minCoeff() >= 0.0);
  CHECK(u.maxCoeff() < 1.0);
  CHECK(u.mean() == doctest::Approx(0.5).epsilon(0.1));
  CHECK(random_direction(4, 1.0, false, 5, 2) != random_direction(4, 1.0, false, 5, 3));
  CHECK(random_direction(4, 1.0, false, 5, 2) == random_direction(4, 1.0, false, 5, 2));
}

TEST_CASE("record_prompt: one softmax layer by hand (two heads, query in keys and values)") {
  ModelConfig c;
  c.token_width = 3;
  c.y_dim = 1;
  c.num_layers = 1;
  c.num_heads = 2;
  c.key_size = 2;
  c.softmax = true;
  c.include_query_in_kv = true;
  c.readout_sign = 1.0;
  c.init = InitKind::scaled_normal;
  c.init_scale = 0.7;
  Model<double> m(c);
  m.init_params(11);
  Eigen::MatrixXd tokens(3, 4);
  tokens << 0.5, -1.0, 0.2, 0.9,  //
      1.5, 0.3, -0.7, 0.1,        //
      -0.4, 0.8, 0.6, -1.1;
  const PromptRecord rec = record_prompt(m, tokens);
  REQUIRE(rec.layers.size() == 1);
  const auto view = m.attention(0);
  Eigen::VectorXd output = Eigen::VectorXd::Zero(3);
  for (int h = 0; h < 2; ++h) {
    const Eigen::MatrixXd Q = view.W_Q.middleRows(2 * h, 2) * tokens;
    const Eigen::MatrixXd K = view.W_K.middleRows(2 * h, 2) * tokens;
    const Eigen::MatrixXd V = view.W_V.middleRows(2 * h, 2) * tokens;
    const Eigen::VectorXd scores = K.transpose() * Q.col(3) / std::sqrt(2.0);
    const Eigen::VectorXd weights = scores.array().exp() / scores.array().exp().sum();
    CHECK((rec.layers[0].scores.row(h).transpose() - scores).norm() < 1e-12);
    CHECK((rec.layers[0].weights.row(h).transpose() - weights).norm() < 1e-12);
    CHECK((rec.layers[0].queries.middleRows(2 * h, 2) - Q).norm() < 1e-12);
    output += view.P.middleCols(2 * h, 2) * (V * weights);
  }
  CHECK((rec.layers[0].output - output).norm() < 1e-12);
  // The prediction is the residual stream's last entry: token + attention output.
  CHECK(rec.prediction(0) == doctest::Approx(tokens(2, 3) + output(2)));
  CHECK_THROWS_AS(record_prompt(m, Eigen::MatrixXd(2, 4)), std::invalid_argument);
}
