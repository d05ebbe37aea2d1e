// Constructed weights run through the general engine reproduce the algorithms they encode
// (docs/papers/von_oswald.md: "Proposition 1" = VO-1/VO-2, "Several layers and the damped recurrence" = VO-3/VO-4, "GD++: curvature correction" = VO-5), numerically in double.
#include "icgd/train/baselines.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/metrics.hpp"
#include "icgd/train/model.hpp"

#include "linear_tasks.hpp"

#include <doctest/doctest.h>

using namespace icgd::train;

namespace {

}  // namespace

TEST_CASE("Prop. 1 model = one GD step, every token (VO-1, VO-2)") {
  const int d = 4, n = 6, ny = 2;
  const TaskBatch tasks = test::linear_tasks(d, n, 20, 1, ny);
  Eigen::MatrixXd W0 = Eigen::MatrixXd::Random(ny, d);
  const double eta = 0.7;
  Model<double> gd = make_gd_model<double>(d, ny, n, {eta}, false, W0);
  for (int b = 0; b < tasks.batch; ++b) {
    // Tokens (x_j, y_j), query (x_q, −W_0 x_q) as in A.3.
    Eigen::MatrixXd E(d + ny, n + 1);
    E.topRows(d) = tasks.x.middleCols(b * (n + 1), n + 1);
    E.bottomRows(ny) = tasks.y.middleCols(b * (n + 1), n + 1);
    E.col(n).tail(ny) = -W0 * tasks.query_x(b);
    ModelWorkspace<double> ws;
    const Eigen::VectorXd y_hat = gd.forward_task(E, ws);
    const Eigen::MatrixXd& out = ws.hidden[1];
    // ΔW = −(η/N) Σ_i (W_0 x_i − y_i) x_iᵀ.
    const auto X = tasks.context_x(b);
    const auto Y = tasks.context_y(b);
    const Eigen::MatrixXd dW = -(eta / n) * (W0 * X - Y) * X.transpose();
    CHECK((out.topRows(d) - E.topRows(d)).norm() == 0.0);  // x-slots unchanged
    const Eigen::MatrixXd expected_y = Y - dW * X;      // y_j − ΔW x_j
    CHECK((out.bottomRows(ny).leftCols(n) - expected_y).norm() < 1e-12);
    CHECK((y_hat - (W0 + dW) * tasks.query_x(b)).norm() < 1e-12);  // ŷ = (W_0 + ΔW) x_q
  }
}

TEST_CASE("negative control: a wrong sign in W_V breaks the GD identity") {
  const TaskBatch tasks = test::linear_tasks(3, 5, 10, 2);
  Model<double> gd = make_gd_model<double>(3, 1, 5, {0.5});
  gd.params().mat("layer0.attn.W_V")(3, 3) = 1.0;  // +I instead of −I
  const Batch<double> batch = make_batch<double>(tasks, {});
  CHECK((gd.predict(batch.tokens) - gd_predictions(tasks, 0.5, 1)).norm() > 1e-3);
}

TEST_CASE("K stacked Prop. 1 layers = K GD steps; recurrent with damping = GD with step λη (VO-3, VO-4)") {
  const TaskBatch tasks = test::linear_tasks(5, 8, 50, 3);
  const Batch<double> batch = make_batch<double>(tasks, {});
  const std::vector<double> etas{0.9, 0.4, 1.3};
  Model<double> stack = make_gd_model<double>(5, 1, 8, etas);
  CHECK((stack.predict(batch.tokens) - gd_predictions(tasks, etas)).norm() < 1e-12);
  // Per-layer read-outs follow the GD iterates.
  const Eigen::MatrixXd per_layer = stack.predict_per_layer(batch.tokens);
  CHECK(per_layer.row(0).norm() == 0.0);
  CHECK((per_layer.row(2).transpose() - gd_predictions(tasks, std::vector<double>{0.9, 0.4}).row(0).transpose()).norm() < 1e-12);
  Model<double> rec = make_gd_model<double>(5, 1, 8, {1.0, 1.0, 1.0, 1.0}, true);
  ModelConfig c = rec.config();
  c.damping = 0.75;
  Model<double> damped(c);
  damped.params() = rec.params();
  CHECK((damped.predict(batch.tokens) - gd_predictions(tasks, 0.75, 4)).norm() < 1e-12);
  // Negative control (VO-3b): with the query among keys/values the identity fails for K ≥ 2.
  c.include_query_in_kv = true;
  c.damping = 1.0;
  Model<double> leaky(c);
  leaky.params() = rec.params();
  CHECK((leaky.predict(batch.tokens) - gd_predictions(tasks, 1.0, 4)).norm() > 1e-3);
}

TEST_CASE("GD++ model = GD++ recursion; it beats GD at the same eta (VO-5)") {
  const TaskBatch tasks = test::linear_tasks(4, 10, 40, 4);
  const Batch<double> batch = make_batch<double>(tasks, {});
  const std::vector<double> gammas{0.05, 0.02}, etas{1.0, 0.8};
  Model<double> m = make_gd_plus_plus_model<double>(4, 1, 10, gammas, etas);
  CHECK((m.predict(batch.tokens) - gd_plus_plus_predictions(tasks, gammas, etas)).norm() < 1e-12);
  // With γ = 0 GD++ is GD.
  CHECK((gd_plus_plus_predictions(tasks, {0.0, 0.0}, etas) - gd_predictions(tasks, etas)).norm() < 1e-12);
  // The x-update of every token (query included) is (I − γ X Xᵀ) x (§0 item 8).
  Eigen::MatrixXd E = batch.tokens.task(0);
  ModelWorkspace<double> ws;
  m.forward_task(E, ws);
  const auto X = tasks.context_x(0);
  const Eigen::MatrixXd H = Eigen::MatrixXd::Identity(4, 4) - 0.05 * X * X.transpose();
  CHECK((ws.hidden[1].topRows(4) - H * E.topRows(4)).norm() < 1e-12);
}

TEST_CASE("structured parametrisations expand to the constructed weights") {
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 7, 2, false);
  c.attention = AttentionParam::gd_plus_plus;
  c.gd_eta_init = 0.6;
  c.gd_gamma_init = 0.03;
  Model<double> s(c);
  s.init_params(0);
  Model<double> ref = make_gd_plus_plus_model<double>(3, 1, 7, {0.03, 0.03}, {0.6, 0.6});
  const TaskBatch tasks = test::linear_tasks(3, 7, 10, 5);
  const Batch<double> batch = make_batch<double>(tasks, {});
  CHECK((s.predict(batch.tokens) - ref.predict(batch.tokens)).norm() < 1e-14);
  Eigen::MatrixXd kq, pv;
  attention_products(ref, 0, kq, pv);
  CHECK(kq(0, 0) == 1.0);
  CHECK(kq(3, 3) == 0.0);
  CHECK(pv(0, 0) == doctest::Approx(-0.03));
  CHECK(pv(3, 3) == doctest::Approx(-0.6 / 7));
}

TEST_CASE("interpolation: a rescaled construction interpolates to the same function") {
  const TaskBatch tasks = test::linear_tasks(4, 6, 30, 6);
  const Batch<double> batch = make_batch<double>(tasks, {});
  Model<double> gd = make_gd_model<double>(4, 1, 6, {0.8});
  // A "trained" model equal to GD up to the symmetry W_KQ → 2.5·W_KQ, W_PV → W_PV/2.5.
  Model<double> scaled = gd;
  scaled.params().mat("layer0.attn.W_Q") *= 2.5;
  scaled.params().mat("layer0.attn.P") /= 2.5;
  CHECK((scaled.predict(batch.tokens) - gd.predict(batch.tokens)).norm() < 1e-12);
  const Model<double> mid = interpolate_with_construction(scaled, gd, 0.5);
  CHECK((mid.predict(batch.tokens) - gd.predict(batch.tokens)).norm() < 1e-12);
  Eigen::MatrixXd kq, pv;
  attention_products(mid, 0, kq, pv);
  CHECK(kq(0, 0) == doctest::Approx(1.0));
  // A different model interpolates to something in between.
  Model<double> other = make_gd_model<double>(4, 1, 6, {0.2});
  const double l_gd = gd.loss(batch.tokens, batch.targets);
  const double l_other = other.loss(batch.tokens, batch.targets);
  const double l_mid = interpolate_with_construction(other, gd, 0.5).loss(batch.tokens, batch.targets);
  CHECK(l_mid < std::max(l_gd, l_other));
}

TEST_CASE("alignment metrics: identical models align perfectly, different ones do not") {
  const TaskBatch tasks = test::linear_tasks(4, 6, 64, 7);
  const Batch<double> batch = make_batch<double>(tasks, {});
  Model<double> a = make_gd_model<double>(4, 1, 6, {0.8});
  const AlignmentMetrics same = compare_models(a, a, batch, 4);
  CHECK(same.sens_cos == doctest::Approx(1.0).epsilon(1e-6));  // 1e−8 added to the norms
  CHECK(same.sens_l2 == 0.0);
  CHECK(same.pred_diff == 0.0);
  // One GD step from 0: ŷ = (η/N) Σ y_i x_iᵀ x_q, so ∂ŷ/∂x_q = (η/N) Σ y_i x_i exactly.
  const Eigen::MatrixXd sens = a.query_sensitivity(batch.tokens, 4);
  for (int b = 0; b < 5; ++b) {
    const Eigen::VectorXd expect = (0.8 / 6) * tasks.context_x(b) * tasks.context_y(b).transpose();
    CHECK((sens.col(b) - expect).norm() < 1e-13);
  }
  Model<double> c = make_gd_model<double>(4, 1, 6, {0.8, 0.8});
  const AlignmentMetrics diff = compare_models(a, c, batch, 4);
  CHECK(diff.sens_cos < 0.999);
  CHECK(diff.pred_diff > 1e-3);
  CHECK(diff.loss_a == doctest::Approx(a.loss(batch.tokens, batch.targets)));
}

TEST_CASE("OOD sweeps: the GD model's curve equals the GD baseline's, on common tasks") {
  const TaskConfig base = TaskConfig::code_linear(5, 8);
  Model<double> gd = make_gd_model<double>(5, 1, 8, {2.0});
  for (OodAxis axis : {OodAxis::input_scale, OodAxis::weight_scale}) {
    const std::vector<double> alphas{0.5, 1.0, 2.0};
    const auto model_curve = ood_losses(gd, base, TokenConfig{}, axis, alphas, 300, 9);
    const auto gd_curve = ood_gd_losses(base, axis, alphas, 2.0, 1, 300, 9);
    for (std::size_t i = 0; i < alphas.size(); ++i) CHECK(model_curve[i] == doctest::Approx(gd_curve[i]).epsilon(1e-12));
    // Common random numbers: scaling the weights by α scales the GD loss by exactly α².
    if (axis == OodAxis::weight_scale) CHECK(gd_curve[2] == doctest::Approx(4.0 * gd_curve[1]).epsilon(1e-12));
    CHECK(gd_curve[0] != gd_curve[1]);
  }
  const auto in = default_ood_alphas(OodAxis::input_scale);
  const auto w = default_ood_alphas(OodAxis::weight_scale);
  CHECK(in.front() == 0.5);
  CHECK(in.back() == doctest::Approx(2.0));  // np.arange(0.5, 2 + 0.03, 0.03) ends at 2.0
  CHECK(in.size() == 51);
  CHECK(w.back() == doctest::Approx(5.0));
}

TEST_CASE("copy diagnostic: with P = 0 layer 0 is the identity, so own = sqrt(width), next = other = 0") {
  const TaskBatch tasks = test::linear_tasks(3, 4, 8, 10);
  TokenConfig classic;
  classic.kind = TokenKind::classic;
  classic.pos_enc_size = 4;
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 4, 2, false);
  c.token_width = 7;
  c.first_layer_softmax = true;
  c.init = InitKind::scaled_normal;
  c.init_scale = 0.5;
  Model<double> m(c);
  m.init_params(1);
  const Batch<double> batch = make_batch<double>(tasks, classic);
  const CopyDiagnostic before = copy_diagnostic(m, batch.tokens);
  CHECK(before.next > 0.0);
  m.params().mat("layer0.attn.P").setZero();
  const CopyDiagnostic d = copy_diagnostic(m, batch.tokens, 2);
  CHECK(d.own == doctest::Approx(std::sqrt(7.0)));
  CHECK(d.next == 0.0);
  CHECK(d.other == 0.0);
}
